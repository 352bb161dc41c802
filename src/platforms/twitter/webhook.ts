/**
 * X Account Activity API webhooks: the CRC handshake on GET, and signed event deliveries on POST.
 * Both use HMAC-SHA256 keyed with the OAuth 2.0 client secret, base64-encoded, prefixed `sha256=`.
 */
import { hmacSha256, safeEqual } from '../http';
import type { WebhookEvent, WebhookHandler, WebhookRequest, WebhookResult } from '../types';
import { AccountActivityPayload } from './schemas';

/** Current header first; the legacy one is still sent by X (and by apps registered before OAuth 2.0). */
export const SIGNATURE_HEADERS = [
  'x-twitter-webhooks-signature-oauth2',
  'x-twitter-webhooks-signature',
] as const;

export function twitterSignature(secret: string, payload: string | Buffer): string {
  return 'sha256=' + hmacSha256(secret, payload).toString('base64');
}

/** The CRC answer body: `{"response_token":"sha256=<base64 HMAC of crc_token>"}`. */
export function crcResponse(secret: string, crcToken: string): { response_token: string } {
  return { response_token: twitterSignature(secret, crcToken) };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name) return firstValue(value);
  return undefined;
}

/** True when any of the signature headers matches the raw body. */
export function verifySignature(secret: string, req: Pick<WebhookRequest, 'headers' | 'rawBody'>): boolean {
  const expected = twitterSignature(secret, req.rawBody);
  let verified = false;
  for (const name of SIGNATURE_HEADERS) {
    const given = headerValue(req.headers, name);
    if (given !== undefined && safeEqual(given.trim(), expected)) verified = true;
  }
  return verified;
}

function isoFromMs(ms: string | number | undefined, fallback: number): string {
  const n = Number(ms);
  return new Date(Number.isFinite(n) && n > 0 ? n : fallback).toISOString();
}

function isoFromDate(text: string | undefined, fallback: number): string {
  const n = text === undefined ? NaN : Date.parse(text);
  return new Date(Number.isFinite(n) ? n : fallback).toISOString();
}

/** Turns one verified Account Activity body into events; `now` only fills a missing timestamp. */
export function parseActivity(payload: AccountActivityPayload, now: number): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  const forUser = payload.for_user_id ?? payload.user_event?.revoke.source.user_id;
  if (!forUser) return events;
  const base = { platform: 'twitter' as const, accountId: forUser };

  for (const tweet of payload.tweet_create_events ?? []) {
    const occurredAt = isoFromMs(tweet.timestamp_ms, isoMs(tweet.created_at, now));
    // Mentions and replies by others also arrive here; only the user's own posts are their items.
    const own = (tweet.user?.id_str ?? String(tweet.user?.id ?? '')) === forUser;
    events.push({
      ...base,
      eventId: `tweet_create_events:${forUser}:${tweet.id_str}:${tweet.timestamp_ms ?? ''}`,
      type: own ? 'item_created' : 'other',
      name: 'tweet_create_events',
      ...(own ? { itemKind: 'tweets' as const, itemId: tweet.id_str } : {}),
      occurredAt,
    });
  }
  for (const fav of payload.favorite_events ?? []) {
    const owner = fav.favorited_status.user?.id_str ?? String(fav.favorited_status.user?.id ?? '');
    const own = owner === forUser;
    events.push({
      ...base,
      eventId: `favorite_events:${forUser}:${fav.id}:${fav.timestamp_ms ?? ''}`,
      // A like on the user's post changes its metrics; the user liking someone else's post changes nothing of theirs.
      type: own ? 'item_changed' : 'other',
      name: 'favorite_events',
      ...(own ? { itemKind: 'tweets' as const, itemId: fav.favorited_status.id_str } : {}),
      occurredAt: isoFromMs(fav.timestamp_ms, isoMs(fav.created_at, now)),
    });
  }
  for (const follow of payload.follow_events ?? []) {
    events.push({
      ...base,
      eventId: `follow_events:${forUser}:${follow.type}:${follow.source.id}:${follow.target.id}:${follow.created_timestamp}`,
      type: 'account_changed',
      name: 'follow_events',
      occurredAt: isoFromMs(follow.created_timestamp, now),
    });
  }
  for (const del of payload.tweet_delete_events ?? []) {
    events.push({
      ...base,
      eventId: `tweet_delete_events:${forUser}:${del.status.id}:${del.timestamp_ms}`,
      type: 'item_deleted',
      name: 'tweet_delete_events',
      itemKind: 'tweets',
      itemId: del.status.id,
      occurredAt: isoFromMs(del.timestamp_ms, now),
    });
  }
  if (payload.user_event) {
    const revoke = payload.user_event.revoke;
    events.push({
      platform: 'twitter',
      accountId: revoke.source.user_id,
      eventId: `user_event:revoke:${revoke.source.user_id}:${revoke.target.app_id}:${revoke.date_time}`,
      type: 'authorization_revoked',
      name: 'user_event',
      occurredAt: isoFromDate(revoke.date_time, now),
    });
  }
  if (events.length === 0) {
    // Direct messages, blocks, mutes…: recorded as `other` so nothing the platform sends is silently lost.
    const name = Object.keys(payload).find((k) => k.endsWith('_events')) ?? 'unknown';
    events.push({
      ...base,
      eventId: `${name}:${forUser}:${now}`,
      type: 'other',
      name,
      occurredAt: new Date(now).toISOString(),
    });
  }
  return events;
}

function isoMs(text: string | undefined, fallback: number): number {
  const n = text === undefined ? NaN : Date.parse(text);
  return Number.isFinite(n) ? n : fallback;
}

export function createTwitterWebhookHandler(opts: { clientSecret: string }): WebhookHandler {
  return {
    handle(req: WebhookRequest): WebhookResult {
      if (req.method === 'GET') {
        const crcToken = firstValue(req.query.crc_token);
        if (!crcToken) return { kind: 'rejected', status: 400, reason: 'missing crc_token' };
        return {
          kind: 'handshake',
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(crcResponse(opts.clientSecret, crcToken)),
        };
      }
      if (!verifySignature(opts.clientSecret, req)) {
        return { kind: 'rejected', status: 401, reason: 'missing or invalid X webhook signature' };
      }
      let json: unknown;
      try {
        json = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return { kind: 'rejected', status: 400, reason: 'body is not JSON' };
      }
      const parsed = AccountActivityPayload.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          kind: 'rejected',
          status: 400,
          reason: `unexpected body at ${issue?.path.join('.') || '(root)'}`,
        };
      }
      if (!parsed.data.for_user_id && !parsed.data.user_event) {
        return { kind: 'rejected', status: 400, reason: 'body has no for_user_id' };
      }
      return { kind: 'events', events: parseActivity(parsed.data, req.now) };
    },
  };
}
