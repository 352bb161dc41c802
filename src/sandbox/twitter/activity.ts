/**
 * X Activity API events as X POSTs them to a webhook (https://docs.x.com/x-api/activity/event-payloads): one
 * envelope under `data` (`event_uuid`, `filter`, `event_type`, `tag`, `payload`), signed with the app's consumer
 * secret in `x-twitter-webhooks-signature`; and the CRC check X runs against a webhook URL.
 */
import { randomBytes } from 'node:crypto';
import { SIGNATURE_HEADER, xSignature } from './facts';
import type { SandboxAccount, SandboxTweet } from './world';

export interface ActivityEvent {
  event_type: string;
  /** The user the event is about (`filter.user_id` of matching subscriptions); absent for `oauth.revoke`. */
  userId?: string;
  payload: Record<string, unknown>;
  includes?: Record<string, unknown>;
}

/** `post.create`: the payload is the v2 Post object. */
export function postCreateEvent(account: SandboxAccount, tweet: SandboxTweet): ActivityEvent {
  const payload: Record<string, unknown> = {
    id: tweet.id,
    text: tweet.text,
    author_id: account.id,
    created_at: new Date(tweet.createdAt).toISOString(),
    edit_history_tweet_ids: [tweet.id],
    conversation_id: tweet.type === 'reply' ? tweet.referencedId : tweet.id,
    lang: tweet.lang,
  };
  if (tweet.referencedId) {
    payload.referenced_tweets = [
      { type: tweet.type === 'reply' ? 'replied_to' : 'retweeted', id: tweet.referencedId },
    ];
    if (tweet.type === 'reply') payload.in_reply_to_user_id = tweet.otherUserId;
  }
  return {
    event_type: 'post.create',
    userId: account.id,
    payload,
    includes: { users: [{ id: account.id, name: account.name, username: account.username }] },
  };
}

/** `post.delete`: `{"id","author_id"}`. */
export function postDeleteEvent(account: SandboxAccount, tweetId: string): ActivityEvent {
  return { event_type: 'post.delete', userId: account.id, payload: { id: tweetId, author_id: account.id } };
}

/** `follow.follow` / `follow.unfollow` of the filtered user. */
export function followEvent(
  account: SandboxAccount,
  sourceId: string,
  type: 'follow.follow' | 'follow.unfollow',
): ActivityEvent {
  return {
    event_type: type,
    userId: account.id,
    payload: { source: { id: sourceId }, target: { id: account.id, username: account.username } },
  };
}

/** `oauth.revoke`: `{"date_time":"2026-07-23T21:44:05+00:00","user_id","app_id"}` with an empty filter. */
export function revokeEvent(opts: { accountId: string; appId: string; now: number }): ActivityEvent {
  const dateTime = new Date(opts.now).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return {
    event_type: 'oauth.revoke',
    payload: { date_time: dateTime, user_id: opts.accountId, app_id: opts.appId },
  };
}

/** The delivery body for one matching subscription. */
export function deliveryBody(
  event: ActivityEvent,
  subscription: { filter: Record<string, string>; tag?: string },
  eventUuid: string,
): string {
  return JSON.stringify({
    data: {
      event_uuid: eventUuid,
      filter: subscription.filter,
      event_type: event.event_type,
      ...(subscription.tag ? { tag: subscription.tag } : {}),
      payload: event.payload,
      ...(event.includes ? { includes: event.includes } : {}),
    },
  });
}

/** The one header X documents on deliveries. */
export function signedHeaders(consumerSecret: string, body: string): Record<string, string> {
  return { [SIGNATURE_HEADER]: xSignature(consumerSecret, body) };
}

/**
 * X's CRC: `GET url?crc_token=…&nonce=…`, expecting 200 `{"response_token":"sha256=<HMAC of crc_token>"}`.
 * The token is base64 text (observed: the 48-character base64 of a UUID), the nonce base64 of epoch ms.
 */
export async function runCrc(
  url: string,
  consumerSecret: string,
  now: number,
): Promise<{ ok: boolean; reason?: string }> {
  const crcToken = randomBytes(36).toString('base64');
  const target = new URL(url);
  target.searchParams.set('crc_token', crcToken);
  target.searchParams.set('nonce', Buffer.from(String(now)).toString('base64url'));
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(3000), redirect: 'manual' });
    const text = await res.text();
    if (res.status !== 200) return { ok: false, reason: `CRC GET answered ${res.status}` };
    const body = JSON.parse(text) as { response_token?: unknown };
    if (body.response_token !== xSignature(consumerSecret, crcToken)) {
      return { ok: false, reason: 'CRC response_token does not match' };
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `CRC GET failed: ${(err as Error).message}` };
  }
}
