/**
 * TikTok webhooks: `TikTok-Signature: t=<unix>,s=<hex HMAC-SHA256(client secret, t + "." + raw body)>`.
 * Verification runs over the raw bytes (re-serialized JSON would not match) with a constant-time comparison,
 * and a timestamp more than 5 minutes from `now` is refused so a captured delivery cannot be replayed later.
 */
import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual } from '../http';
import type { WebhookEvent, WebhookHandler, WebhookRequest, WebhookResult } from '../types';
import { WebhookBody, WebhookContent } from './schemas';

export const SIGNATURE_HEADER = 'tiktok-signature';
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

export interface TikTokWebhookOptions {
  clientKey: string;
  clientSecret: string;
}

interface ParsedSignature {
  timestamp: number;
  signature: Buffer;
}

/** `t=…,s=…` in any order; undefined when either part is missing or malformed. */
export function parseSignatureHeader(value: string): ParsedSignature | undefined {
  const parts = new Map<string, string>();
  for (const piece of value.split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !/^\d+$/.test(t) || !s || !/^[0-9a-fA-F]{64}$/.test(s)) return undefined;
  return { timestamp: Number(t), signature: Buffer.from(s, 'hex') };
}

export function computeSignature(clientSecret: string, timestamp: number, rawBody: Buffer): Buffer {
  return hmacSha256(clientSecret, `${timestamp}.`, rawBody);
}

function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(found) ? found[0] : found;
}

/** Dedupe key: the same delivery retried for 72 h carries the same event, user, time and content. */
export function webhookEventId(body: WebhookBody): string {
  return createHash('sha256')
    .update(JSON.stringify([body.event, body.user_openid, body.create_time, body.content]))
    .digest('hex');
}

/** `video.<video id>.<random>` share ids carry the video id; newer payloads name it outright. */
function videoIdFrom(content: WebhookContent): string | undefined {
  if (content.video_id) return content.video_id;
  if (content.post_id) return content.post_id;
  const match = content.share_id?.match(/^video\.(\d+)\./);
  return match?.[1];
}

function toEvent(body: WebhookBody, content: WebhookContent): WebhookEvent {
  const base = {
    platform: 'tiktok' as const,
    eventId: webhookEventId(body),
    accountId: body.user_openid,
    name: body.event,
    occurredAt: new Date(body.create_time * 1000).toISOString(),
  };
  switch (body.event) {
    case 'authorization.removed':
      return { ...base, type: 'authorization_revoked' };
    case 'video.publish.completed': {
      const itemId = videoIdFrom(content);
      return { ...base, type: 'item_created', itemKind: 'videos', ...(itemId ? { itemId } : {}) };
    }
    default:
      // video.upload.failed and events we do not act on: recorded, no data change.
      return { ...base, type: 'other' };
  }
}

export function createTikTokWebhookHandler(opts: TikTokWebhookOptions): WebhookHandler {
  return {
    handle(req: WebhookRequest): WebhookResult {
      if (req.method !== 'POST')
        return { kind: 'rejected', status: 400, reason: 'TikTok webhooks are POST only' };
      const header = headerValue(req.headers, SIGNATURE_HEADER);
      if (!header) return { kind: 'rejected', status: 401, reason: 'missing TikTok-Signature header' };
      const parsed = parseSignatureHeader(header);
      if (!parsed) return { kind: 'rejected', status: 401, reason: 'malformed TikTok-Signature header' };
      const expected = computeSignature(opts.clientSecret, parsed.timestamp, req.rawBody);
      if (!safeEqual(parsed.signature, expected)) {
        return { kind: 'rejected', status: 401, reason: 'signature mismatch' };
      }
      if (Math.abs(req.now - parsed.timestamp * 1000) > MAX_TIMESTAMP_SKEW_MS) {
        return {
          kind: 'rejected',
          status: 401,
          reason: 'signature timestamp outside the 5 minute tolerance',
        };
      }

      let json: unknown;
      try {
        json = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return { kind: 'rejected', status: 400, reason: 'body is not JSON' };
      }
      const body = WebhookBody.safeParse(json);
      if (!body.success) {
        const field = body.error.issues[0]?.path.join('.') || '(body)';
        return { kind: 'rejected', status: 400, reason: `unexpected webhook body at "${field}"` };
      }
      if (body.data.client_key !== opts.clientKey) {
        return { kind: 'rejected', status: 400, reason: 'webhook is for another client_key' };
      }
      let content: WebhookContent;
      try {
        const parsedContent = WebhookContent.safeParse(
          body.data.content === '' ? {} : JSON.parse(body.data.content),
        );
        if (!parsedContent.success)
          return { kind: 'rejected', status: 400, reason: 'content is not a JSON object' };
        content = parsedContent.data;
      } catch {
        return { kind: 'rejected', status: 400, reason: 'content is not a JSON string' };
      }
      return { kind: 'events', events: [toEvent(body.data, content)] };
    },
  };
}
