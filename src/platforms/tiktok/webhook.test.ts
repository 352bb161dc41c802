import { createHmac } from 'node:crypto';
import { WebhookEvent, type WebhookRequest } from '../types';
import { createTikTokWebhookHandler, parseSignatureHeader, webhookEventId } from './webhook';

const clientKey = 'awtestclientkey';
const secret = 'test-client-secret';
const handler = createTikTokWebhookHandler({ clientKey, clientSecret: secret });
const now = Date.parse('2026-05-01T12:00:00Z');
const nowSec = Math.floor(now / 1000);

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    client_key: clientKey,
    event: 'video.publish.completed',
    create_time: nowSec - 3,
    user_openid: '-000user-1',
    content: JSON.stringify({
      share_id: 'video.7349562378412043562.AbCdEfGh',
      publish_type: 'DIRECT_PUBLISH',
    }),
    ...overrides,
  });
}

function sign(raw: string, t = nowSec, key = secret): string {
  return `t=${t},s=${createHmac('sha256', key).update(`${t}.${raw}`).digest('hex')}`;
}

function request(raw: string, signature?: string, at = now): WebhookRequest {
  return {
    method: 'POST',
    headers: signature === undefined ? {} : { 'tiktok-signature': signature },
    query: {},
    rawBody: Buffer.from(raw),
    now: at,
  };
}

describe('TikTok webhook verification', () => {
  it('accepts a correctly signed delivery and parses it into one event', () => {
    const raw = body();
    const result = handler.handle(request(raw, sign(raw)));
    expect(result.kind).toBe('events');
    if (result.kind !== 'events') return;
    expect(result.events).toHaveLength(1);
    const event = WebhookEvent.parse(result.events[0]);
    expect(event).toMatchObject({
      platform: 'tiktok',
      accountId: '-000user-1',
      type: 'item_created',
      name: 'video.publish.completed',
      itemKind: 'videos',
      itemId: '7349562378412043562',
      occurredAt: new Date((nowSec - 3) * 1000).toISOString(),
    });
  });

  it('reads the header case-insensitively (TikTok-Signature as sent)', () => {
    const raw = body();
    const req = request(raw);
    req.headers = { 'TikTok-Signature': sign(raw) };
    expect(handler.handle(req).kind).toBe('events');
  });

  it('rejects a forged signature (other secret) with 401', () => {
    const raw = body();
    expect(handler.handle(request(raw, sign(raw, nowSec, 'wrong-secret')))).toMatchObject({
      kind: 'rejected',
      status: 401,
    });
  });

  it('rejects a body changed after signing with 401', () => {
    const raw = body();
    const tampered = raw.replace('-000user-1', '-000user-2');
    expect(handler.handle(request(tampered, sign(raw)))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('rejects a missing or malformed header with 401', () => {
    const raw = body();
    expect(handler.handle(request(raw))).toMatchObject({ kind: 'rejected', status: 401 });
    expect(handler.handle(request(raw, 'sha256=abc'))).toMatchObject({ kind: 'rejected', status: 401 });
    expect(handler.handle(request(raw, `t=${nowSec},s=zz`))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('rejects a timestamp more than 5 minutes away from now with 401, accepts one just inside', () => {
    const raw = body();
    const stale = nowSec - 5 * 60 - 1;
    expect(handler.handle(request(raw, sign(raw, stale)))).toMatchObject({ kind: 'rejected', status: 401 });
    expect(handler.handle(request(raw, sign(raw, nowSec + 5 * 60 + 1)))).toMatchObject({
      kind: 'rejected',
      status: 401,
    });
    expect(handler.handle(request(raw, sign(raw, nowSec - 5 * 60 + 1))).kind).toBe('events');
  });

  it('rejects a correctly signed body that is not what TikTok sends with 400', () => {
    for (const raw of [
      'not json',
      JSON.stringify({ event: 'x' }),
      body({ content: '{not json' }),
      body({ create_time: 'soon' }),
    ]) {
      expect(handler.handle(request(raw, sign(raw)))).toMatchObject({ kind: 'rejected', status: 400 });
    }
  });

  it('rejects a delivery for another client_key with 400', () => {
    const raw = body({ client_key: 'someone-else' });
    expect(handler.handle(request(raw, sign(raw)))).toMatchObject({ kind: 'rejected', status: 400 });
  });

  it('maps authorization.removed and video.upload.failed', () => {
    const removed = body({ event: 'authorization.removed', content: JSON.stringify({ reason: 1 }) });
    const failed = body({ event: 'video.upload.failed', content: JSON.stringify({ share_id: 'video.1.x' }) });
    const r1 = handler.handle(request(removed, sign(removed)));
    const r2 = handler.handle(request(failed, sign(failed)));
    expect(r1.kind === 'events' && r1.events[0]).toMatchObject({
      type: 'authorization_revoked',
      accountId: '-000user-1',
    });
    expect(r2.kind === 'events' && r2.events[0]).toMatchObject({
      type: 'other',
      name: 'video.upload.failed',
    });
  });

  it('gives a redelivery (new signature time) the same eventId, and a different event another one', () => {
    const raw = body();
    const a = handler.handle(request(raw, sign(raw, nowSec)));
    const b = handler.handle(request(raw, sign(raw, nowSec + 60), now + 60_000));
    const other = body({ create_time: nowSec - 100 });
    const c = handler.handle(request(other, sign(other)));
    const id = (r: ReturnType<typeof handler.handle>) =>
      r.kind === 'events' ? r.events[0]!.eventId : undefined;
    expect(id(a)).toBeDefined();
    expect(id(a)).toBe(id(b));
    expect(id(c)).not.toBe(id(a));
    expect(id(a)).toBe(webhookEventId(JSON.parse(raw)));
  });

  it('parses t and s in any order', () => {
    expect(parseSignatureHeader(`s=${'a'.repeat(64)},t=12`)).toEqual({
      timestamp: 12,
      signature: Buffer.alloc(32, 0xaa),
    });
    expect(parseSignatureHeader('t=12')).toBeUndefined();
  });
});
