/**
 * Instagram webhooks: the subscription handshake (GET hub.mode=subscribe → echo hub.challenge when the verify token
 * matches) and signed event deliveries (POST, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`,
 * compared in constant time over the raw bytes). Missing/bad signature → 401; signed but not Instagram's shape → 400.
 */
import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual } from '../http';
import type { WebhookEvent, WebhookHandler, WebhookRequest, WebhookResult } from '../types';
import { CommentChangeValue, WebhookBody } from './schemas';

export interface InstagramWebhookSecrets {
  appSecret: string;
  verifyToken?: string;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerOf(headers: WebhookRequest['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : first(headers[key]);
}

/** Verifies `sha256=<hex>` over the raw body; false for missing, malformed or wrong signatures. */
export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const match = header ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim()) : null;
  if (!match) return false;
  return safeEqual(Buffer.from(match[1]!.toLowerCase(), 'hex'), hmacSha256(appSecret, rawBody));
}

/** The id that makes a change unique for dedupe: the value's own id, else a hash of the value. */
function valueId(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const key of ['id', 'comment_id', 'media_id', 'mid']) {
      if (typeof v[key] === 'string' || typeof v[key] === 'number') return String(v[key]);
    }
  }
  return createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('hex')
    .slice(0, 16);
}

function toIso(time: number): string {
  // Meta sends seconds; tolerate milliseconds.
  return new Date(time > 1e12 ? time : time * 1000).toISOString();
}

export type ParseResult = { ok: true; events: WebhookEvent[] } | { ok: false; reason: string };

/** Parses a verified body into events (pure). */
export function parseWebhookBody(rawBody: Buffer): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const body = WebhookBody.safeParse(json);
  if (!body.success)
    return { ok: false, reason: `not an Instagram webhook body: ${body.error.issues[0]?.message}` };
  const events: WebhookEvent[] = [];
  for (const entry of body.data.entry) {
    const occurredAt = toIso(entry.time);
    const base = { platform: 'instagram' as const, accountId: entry.id, occurredAt };
    for (const change of entry.changes ?? []) {
      const eventId = `${entry.id}:${entry.time}:${change.field}:${valueId(change.value)}`;
      if (change.field === 'comments') {
        const comment = CommentChangeValue.safeParse(change.value);
        if (!comment.success) return { ok: false, reason: 'comments change without a valid value' };
        const media = comment.data.media;
        events.push(
          media
            ? {
                ...base,
                eventId,
                type: 'item_changed',
                name: 'comments',
                itemKind: media.media_product_type === 'STORY' ? 'stories' : 'posts',
                itemId: media.id,
              }
            : { ...base, eventId, type: 'other', name: 'comments' },
        );
      } else {
        events.push({ ...base, eventId, type: 'other', name: change.field });
      }
    }
    for (const message of entry.messaging ?? []) {
      const mid = (message as { message?: { mid?: string } })?.message?.mid;
      events.push({
        ...base,
        eventId: `${entry.id}:${entry.time}:messages:${mid ?? valueId(message)}`,
        type: 'other',
        name: 'messages',
      });
    }
  }
  return { ok: true, events };
}

export function createInstagramWebhookHandler(secrets: InstagramWebhookSecrets): WebhookHandler {
  return {
    handle(req: WebhookRequest): WebhookResult {
      if (req.method === 'GET') {
        const mode = first(req.query['hub.mode']);
        const token = first(req.query['hub.verify_token']);
        const challenge = first(req.query['hub.challenge']);
        if (mode !== 'subscribe' || challenge === undefined || !secrets.verifyToken || token === undefined) {
          return { kind: 'rejected', status: 403, reason: 'not a valid subscription handshake' };
        }
        if (!safeEqual(token, secrets.verifyToken))
          return { kind: 'rejected', status: 403, reason: 'verify token mismatch' };
        return { kind: 'handshake', status: 200, contentType: 'text/plain', body: challenge };
      }
      const signature = headerOf(req.headers, 'x-hub-signature-256');
      if (!signature) return { kind: 'rejected', status: 401, reason: 'missing X-Hub-Signature-256' };
      if (!verifySignature(req.rawBody, signature, secrets.appSecret)) {
        return { kind: 'rejected', status: 401, reason: 'bad X-Hub-Signature-256' };
      }
      const parsed = parseWebhookBody(req.rawBody);
      if (!parsed.ok) return { kind: 'rejected', status: 400, reason: parsed.reason };
      return { kind: 'events', events: parsed.events };
    },
  };
}
