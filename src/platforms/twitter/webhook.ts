/**
 * X webhooks (V2 Webhooks API carrying X Activity API events): the CRC check on GET and signed deliveries on POST.
 * Both are HMAC-SHA256 keyed with the app's consumer secret (API Key Secret), base64, prefixed `sha256=`
 * (https://docs.x.com/x-api/webhooks/quickstart) — never the OAuth 2.0 client secret.
 *
 * The CRC answer uses the same key and format as delivery signatures, so answering any `crc_token` would make
 * this endpoint a signing oracle for forged events: only tokens shaped like the ones X sends are answered
 * (X sends base64 text, e.g. the 48 characters of a base64 UUID; a JSON event body can never match).
 */
import { createHash } from 'node:crypto';
import { silentLogger, type Logger } from '../../shared/logger';
import { hmacSha256, safeEqual } from '../http';
import type { WebhookEvent, WebhookHandler, WebhookRequest, WebhookResult } from '../types';
import {
  ActivityDelivery,
  PostDeletePayload,
  PostPayload,
  RevokePayload,
  X_ID,
  envelopeOf,
  type ActivityEnvelope,
} from './activity-schemas';

/** The one signature header X documents for deliveries. */
export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature';

/** Base64 or base64url text of 16-128 characters with at most two trailing `=`. */
export const CRC_TOKEN_SHAPE = /^[A-Za-z0-9+/_-]{16,128}={0,2}$/;

/** The event types the connector subscribes each user to (see subscriptions.ts). */
export const POST_EVENT_TYPES = ['post.create', 'post.delete'] as const;
export const REVOKE_EVENT_TYPE = 'oauth.revoke';

export function twitterSignature(consumerSecret: string, payload: string | Buffer): string {
  return 'sha256=' + hmacSha256(consumerSecret, payload).toString('base64');
}

/** Whether `token` may be answered: shaped like X's CRC tokens, so never an event body. */
export function isCrcTokenShaped(token: string): boolean {
  return CRC_TOKEN_SHAPE.test(token);
}

/** The CRC answer body `{"response_token":"sha256=<base64 HMAC of crc_token>"}`; undefined for a bad token. */
export function crcResponse(
  consumerSecret: string,
  crcToken: string,
): { response_token: string } | undefined {
  if (!isCrcTokenShaped(crcToken)) return undefined;
  return { response_token: twitterSignature(consumerSecret, crcToken) };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name) return firstValue(value);
  return undefined;
}

/** True when `x-twitter-webhooks-signature` matches the raw body. */
export function verifySignature(
  consumerSecret: string,
  req: Pick<WebhookRequest, 'headers' | 'rawBody'>,
): boolean {
  const given = headerValue(req.headers, SIGNATURE_HEADER);
  if (given === undefined) return false;
  return safeEqual(given.trim(), twitterSignature(consumerSecret, req.rawBody));
}

/** Why an event was dropped instead of becoming a signal (an id that could become a document path). */
export interface DroppedEvent {
  eventType: string;
  reason: string;
}

function iso(text: string | undefined, fallback: number): string {
  const ms = text === undefined ? NaN : Date.parse(text);
  return new Date(Number.isFinite(ms) ? ms : fallback).toISOString();
}

function isXId(value: unknown): value is string {
  return typeof value === 'string' && X_ID.test(value);
}

/**
 * One verified X Activity API envelope → events, with ids stable across redeliveries (derived from the body,
 * never from the time of receipt). `now` only fills a missing timestamp; `rawBody` keys events X sent without an
 * `event_uuid`.
 */
export function parseActivityEvent(
  envelope: ActivityEnvelope,
  opts: { now: number; rawBody: Buffer },
): { events: WebhookEvent[]; dropped: DroppedEvent[] } {
  const type = envelope.event_type;
  const drop = (reason: string) => ({ events: [], dropped: [{ eventType: type, reason }] });
  const filterUser = envelope.filter?.user_id;

  if (type === 'post.create' || type === 'post.delete') {
    if (!isXId(filterUser)) return drop('filter.user_id is not a numeric X id');
    const parsed =
      type === 'post.create'
        ? PostPayload.safeParse(envelope.payload)
        : PostDeletePayload.safeParse(envelope.payload);
    if (!parsed.success) return drop('payload is not a post');
    const post = parsed.data;
    if (!isXId(post.id)) return drop('payload.id is not a numeric X id');
    if (post.author_id !== undefined && !isXId(post.author_id))
      return drop('payload.author_id is not a numeric X id');
    const base = { platform: 'twitter' as const, accountId: filterUser, name: type };
    // The same post event for the same user is one event however often X delivers it.
    const eventId = `${type}:${filterUser}:${post.id}`;
    if (type === 'post.delete') {
      const event: WebhookEvent = {
        ...base,
        eventId,
        type: 'item_deleted',
        itemKind: 'tweets',
        itemId: post.id,
        occurredAt: new Date(opts.now).toISOString(),
      };
      return { events: [event], dropped: [] };
    }
    const created = post as { created_at?: string; referenced_tweets?: { type: string }[] };
    // post.create also fires for the user's reposts: their numbers belong to someone else's post, and the timeline
    // sync excludes them (`exclude=retweets`), so a repost is not one of the user's items.
    const repost = (created.referenced_tweets ?? []).some((r) => r.type === 'retweeted');
    const own = (post.author_id === undefined || post.author_id === filterUser) && !repost;
    const event: WebhookEvent = {
      ...base,
      eventId,
      type: own ? 'item_created' : 'other',
      ...(own ? { itemKind: 'tweets' as const, itemId: post.id } : {}),
      occurredAt: iso(created.created_at, opts.now),
    };
    return { events: [event], dropped: [] };
  }

  if (type === REVOKE_EVENT_TYPE) {
    const parsed = RevokePayload.safeParse(envelope.payload);
    if (!parsed.success) return drop('payload is not a revoke');
    const { user_id: userId, app_id: appId, date_time: dateTime } = parsed.data;
    if (!isXId(userId)) return drop('payload.user_id is not a numeric X id');
    // A revoke is never trusted as such: it asks for a sync, whose API calls find out whether the grant is really
    // gone (users/me answers 401, the refresh fails with invalid_request → needs_reauth) or still works (nothing
    // changes). A forged or replayed revoke therefore costs one sync and pauses nothing.
    const event: WebhookEvent = {
      platform: 'twitter',
      accountId: userId,
      eventId: `oauth.revoke:${userId}:${String(appId ?? '')}:${dateTime ?? envelope.event_uuid ?? ''}`,
      type: 'account_changed',
      name: type,
      occurredAt: iso(dateTime, opts.now),
    };
    return { events: [event], dropped: [] };
  }

  // Events the connector does not subscribe to (profile, follows…): kept as `other` so nothing is silently lost.
  if (!isXId(filterUser)) return drop('filter.user_id is not a numeric X id');
  const key =
    envelope.event_uuid && /^-?\d{1,20}$/.test(envelope.event_uuid)
      ? envelope.event_uuid
      : createHash('sha256').update(opts.rawBody).digest('hex').slice(0, 32);
  const event: WebhookEvent = {
    platform: 'twitter',
    accountId: filterUser,
    eventId: `${type}:${filterUser}:${key}`,
    type: 'other',
    name: type,
    occurredAt: new Date(opts.now).toISOString(),
  };
  return { events: [event], dropped: [] };
}

export interface TwitterWebhookOptions {
  /** The app's consumer secret (`TWITTER_CONSUMER_SECRET`); without it every request is refused. */
  consumerSecret?: string;
  logger?: Logger;
}

export function createTwitterWebhookHandler(opts: TwitterWebhookOptions): WebhookHandler {
  const log = (opts.logger ?? silentLogger).child({ module: 'platform.twitter.webhook' });
  const secret = opts.consumerSecret;
  return {
    handle(req: WebhookRequest): WebhookResult {
      if (!secret) {
        return { kind: 'rejected', status: 403, reason: 'X webhooks need TWITTER_CONSUMER_SECRET' };
      }
      if (req.method === 'GET') {
        const crcToken = firstValue(req.query.crc_token);
        if (!crcToken) return { kind: 'rejected', status: 400, reason: 'missing crc_token' };
        const answer = crcResponse(secret, crcToken);
        if (!answer)
          return { kind: 'rejected', status: 400, reason: 'crc_token is not shaped like X sends it' };
        return {
          kind: 'handshake',
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(answer),
        };
      }
      if (!verifySignature(secret, req)) {
        return { kind: 'rejected', status: 401, reason: 'missing or invalid X webhook signature' };
      }
      let json: unknown;
      try {
        json = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return { kind: 'rejected', status: 400, reason: 'body is not JSON' };
      }
      const parsed = ActivityDelivery.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          kind: 'rejected',
          status: 400,
          reason: `unexpected body at ${issue?.path.join('.') || '(root)'}`,
        };
      }
      const { events, dropped } = parseActivityEvent(envelopeOf(parsed.data), {
        now: req.now,
        rawBody: req.rawBody,
      });
      for (const d of dropped)
        log.warn({ eventType: d.eventType, reason: d.reason }, 'X webhook event dropped');
      return { kind: 'events', events };
    },
  };
}
