/**
 * Account Activity API on the sandbox side: the CRC check X runs before it accepts a webhook URL, and the event
 * bodies it POSTs (v1.1-style status objects), signed with the app's client secret in both headers.
 */
import { randomBytes } from 'node:crypto';
import { crcResponse, twitterSignature } from '../../platforms/twitter/webhook';
import type { SandboxAccount, SandboxTweet } from './world';

/** v1.1 `created_at`: `Wed Oct 10 20:19:24 +0000 2018`. */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function v1Date(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${time} +0000 ${d.getUTCFullYear()}`;
}

function userObject(account: SandboxAccount) {
  return { id_str: account.id, name: account.name, screen_name: account.username };
}

export function statusObject(account: SandboxAccount, tweet: SandboxTweet) {
  return {
    created_at: v1Date(tweet.createdAt),
    id_str: tweet.id,
    text: tweet.text,
    timestamp_ms: String(tweet.createdAt),
    user: userObject(account),
  };
}

export function tweetCreateBody(account: SandboxAccount, tweet: SandboxTweet) {
  return { for_user_id: account.id, tweet_create_events: [statusObject(account, tweet)] };
}

export function favoriteBody(opts: {
  account: SandboxAccount;
  tweet: SandboxTweet;
  likerId: string;
  now: number;
}) {
  return {
    for_user_id: opts.account.id,
    favorite_events: [
      {
        id: randomBytes(16).toString('hex'),
        created_at: v1Date(opts.now),
        timestamp_ms: opts.now,
        favorited_status: statusObject(opts.account, opts.tweet),
        user: { id_str: opts.likerId },
      },
    ],
  };
}

export function followBody(opts: {
  account: SandboxAccount;
  sourceId: string;
  type: 'follow' | 'unfollow';
  now: number;
}) {
  return {
    for_user_id: opts.account.id,
    follow_events: [
      {
        type: opts.type,
        created_timestamp: String(opts.now),
        target: { id: opts.account.id, screen_name: opts.account.username },
        source: { id: opts.sourceId },
      },
    ],
  };
}

export function tweetDeleteBody(opts: { account: SandboxAccount; tweetId: string; now: number }) {
  return {
    for_user_id: opts.account.id,
    tweet_delete_events: [
      { status: { id: opts.tweetId, user_id: opts.account.id }, timestamp_ms: String(opts.now) },
    ],
  };
}

/** X sends the revoke without `for_user_id`: the user is in `source.user_id`. */
export function revokeBody(opts: { accountId: string; appId: string; now: number }) {
  const dateTime = new Date(opts.now).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return {
    user_event: {
      revoke: { date_time: dateTime, target: { app_id: opts.appId }, source: { user_id: opts.accountId } },
    },
  };
}

/** The two signature headers X sets on every delivery. */
export function signedHeaders(secret: string, body: string): Record<string, string> {
  const signature = twitterSignature(secret, body);
  return { 'X-Twitter-Webhooks-Signature-OAuth2': signature, 'x-twitter-webhooks-signature': signature };
}

/** X's CRC: GET `url?crc_token=…`, expect `{"response_token":"sha256=…"}` within a few seconds. */
export async function runCrc(url: string, secret: string): Promise<{ ok: boolean; reason?: string }> {
  const crcToken = randomBytes(24).toString('base64url');
  const target = new URL(url);
  target.searchParams.set('crc_token', crcToken);
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    if (res.status !== 200) return { ok: false, reason: `CRC GET answered ${res.status}` };
    const body = JSON.parse(text) as { response_token?: unknown };
    if (body.response_token !== crcResponse(secret, crcToken).response_token) {
      return { ok: false, reason: 'CRC response_token does not match' };
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `CRC GET failed: ${(err as Error).message}` };
  }
}
