import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { WebhookRequest } from '../types';
import { WebhookEvent } from '../types';
import { ActivityDelivery, envelopeOf } from './activity-schemas';
import { createTwitterWebhookHandler, crcResponse, parseActivityEvent } from './webhook';

const CONSUMER_SECRET = 'consumer-secret-for-tests';
const CLIENT_SECRET = 'oauth2-client-secret-for-tests';
/** What X really sends: the base64 of a UUID (a CRC GET observed in a public deployment log). */
const X_CRC_TOKEN = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';
const NOW = Date.parse('2026-03-01T00:00:00Z');

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

const handler = createTwitterWebhookHandler({ consumerSecret: CONSUMER_SECRET });
const sign = (body: string, secret = CONSUMER_SECRET) =>
  'sha256=' + createHmac('sha256', secret).update(body).digest('base64');

function get(query: WebhookRequest['query']): WebhookRequest {
  return { method: 'GET', headers: {}, query, rawBody: Buffer.alloc(0), now: NOW };
}

function post(body: string, headers: WebhookRequest['headers'], now = NOW): WebhookRequest {
  return { method: 'POST', headers, query: {}, rawBody: Buffer.from(body), now };
}

function envelope(data: Record<string, unknown>): string {
  return JSON.stringify({ data });
}

const createBody = envelope({
  event_uuid: '2080761390344937796',
  filter: { user_id: '2244994945' },
  event_type: 'post.create',
  tag: 'socialsync',
  payload: {
    id: '2080761390344937796',
    author_id: '2244994945',
    created_at: '2026-07-24T21:05:48.000Z',
    text: 'Hello from the Activity API',
    edit_history_tweet_ids: ['2080761390344937796'],
  },
  includes: {},
});

describe('CRC', () => {
  it('answers an X-shaped crc_token with sha256= base64 HMAC keyed by the consumer secret', () => {
    const result = handler.handle(get({ crc_token: X_CRC_TOKEN, nonce: 'MTc2OTUxODI5MjkxNA' }));
    const expected = sign(X_CRC_TOKEN);
    expect(result).toEqual({
      kind: 'handshake',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ response_token: expected }),
    });
    expect(expected).not.toBe(sign(X_CRC_TOKEN, CLIENT_SECRET));
    expect(crcResponse(CONSUMER_SECRET, X_CRC_TOKEN)?.response_token).toBe(expected);
    // base64url and padded base64 are both X-shaped.
    for (const token of ['abcdefghijklmnop_-', 'YWJjZGVmZ2hpamtsbW5vcA==']) {
      expect(handler.handle(get({ crc_token: token })).kind).toBe('handshake');
    }
  });

  it('finding 1: never signs an arbitrary crc_token (a JSON event would get a valid delivery signature)', () => {
    const forged = envelope({
      event_type: 'oauth.revoke',
      filter: {},
      payload: { user_id: '2244994945', app_id: '1', date_time: '2026-03-01T00:00:00+00:00' },
    });
    // The attack: the CRC answer for this token is exactly the delivery signature of the same bytes.
    expect(sign(forged)).toBe(
      'sha256=' + createHmac('sha256', CONSUMER_SECRET).update(Buffer.from(forged)).digest('base64'),
    );
    for (const token of [
      forged,
      'short',
      'has spaces in it, sixteen+',
      'a'.repeat(129),
      '{"a":"bcdefghijklmnopq"}',
      'abcdefghijklmnop=q',
      'abcdefghijklmnop===',
    ]) {
      const result = handler.handle(get({ crc_token: token }));
      expect(result).toMatchObject({ kind: 'rejected', status: 400 });
      expect(JSON.stringify(result)).not.toContain('sha256=');
      expect(crcResponse(CONSUMER_SECRET, token)).toBeUndefined();
    }
  });

  it('rejects a GET without crc_token with 400', () => {
    expect(handler.handle(get({}))).toMatchObject({ kind: 'rejected', status: 400 });
  });

  it('refuses everything without a consumer secret (nothing to sign or verify with)', () => {
    const unconfigured = createTwitterWebhookHandler({});
    expect(unconfigured.handle(get({ crc_token: X_CRC_TOKEN }))).toMatchObject({
      kind: 'rejected',
      status: 403,
    });
    expect(
      unconfigured.handle(post(createBody, { 'x-twitter-webhooks-signature': sign(createBody) })),
    ).toMatchObject({ kind: 'rejected', status: 403 });
  });
});

describe('signature verification', () => {
  it('accepts x-twitter-webhooks-signature, whatever its case', () => {
    expect(handler.handle(post(createBody, { 'x-twitter-webhooks-signature': sign(createBody) })).kind).toBe(
      'events',
    );
    expect(handler.handle(post(createBody, { 'X-Twitter-Webhooks-Signature': sign(createBody) })).kind).toBe(
      'events',
    );
  });

  it('rejects a signature made with the OAuth 2.0 client secret with 401', () => {
    expect(
      handler.handle(post(createBody, { 'x-twitter-webhooks-signature': sign(createBody, CLIENT_SECRET) })),
    ).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('reads only the documented header (an undocumented one alone is no signature)', () => {
    expect(
      handler.handle(post(createBody, { 'x-twitter-webhooks-signature-oauth2': sign(createBody) })),
    ).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('rejects forged, tampered and missing signatures with 401', () => {
    expect(
      handler.handle(post(createBody, { 'x-twitter-webhooks-signature': sign(createBody, 'other-secret') })),
    ).toMatchObject({ kind: 'rejected', status: 401 });
    expect(
      handler.handle(
        post(createBody.replace('Hello', 'Howdy'), { 'x-twitter-webhooks-signature': sign(createBody) }),
      ),
    ).toMatchObject({ status: 401 });
    expect(handler.handle(post(createBody, {}))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('rejects a correctly signed but malformed body with 400', () => {
    for (const body of [
      'not json',
      '[]',
      JSON.stringify({ data: { filter: {}, payload: {} } }),
      JSON.stringify({ hello: 1 }),
      // An Account Activity body is not what the X Activity API sends.
      JSON.stringify({ for_user_id: '1', tweet_create_events: [] }),
    ]) {
      expect(handler.handle(post(body, { 'x-twitter-webhooks-signature': sign(body) }))).toMatchObject({
        kind: 'rejected',
        status: 400,
      });
    }
  });
});

describe('X Activity API events', () => {
  const parse = (body: string, now = NOW) => {
    const json = ActivityDelivery.parse(JSON.parse(body));
    return parseActivityEvent(envelopeOf(json), { now, rawBody: Buffer.from(body) });
  };

  it('maps post.create of the user to item_created with the post time', () => {
    const { events, dropped } = parse(createBody);
    expect(dropped).toEqual([]);
    expect(events).toEqual([
      {
        platform: 'twitter',
        accountId: '2244994945',
        eventId: 'post.create:2244994945:2080761390344937796',
        type: 'item_created',
        name: 'post.create',
        itemKind: 'tweets',
        itemId: '2080761390344937796',
        occurredAt: '2026-07-24T21:05:48.000Z',
      },
    ]);
    for (const e of events) expect(WebhookEvent.parse(e)).toEqual(e);
  });

  it('keeps a repost (someone else’s numbers, excluded from the timeline sync) as other', () => {
    const body = envelope({
      event_type: 'post.create',
      filter: { user_id: '42' },
      payload: { id: '100', author_id: '42', referenced_tweets: [{ type: 'retweeted', id: '99' }] },
    });
    expect(parse(body).events).toEqual([expect.objectContaining({ type: 'other', name: 'post.create' })]);
    expect(parse(body).events[0]!.itemId).toBeUndefined();
  });

  it('maps post.delete to item_deleted of the post', () => {
    const body = envelope({
      event_uuid: '-2781149976877970683',
      filter: { user_id: '1111111111111111111' },
      event_type: 'post.delete',
      tag: 'post-deletes',
      payload: { id: '2080761269309813134', author_id: '1111111111111111111' },
    });
    expect(parse(body).events).toEqual([
      expect.objectContaining({
        type: 'item_deleted',
        accountId: '1111111111111111111',
        itemKind: 'tweets',
        itemId: '2080761269309813134',
        eventId: 'post.delete:1111111111111111111:2080761269309813134',
      }),
    ]);
  });

  it('turns oauth.revoke into a check (account_changed), never into authorization_revoked', () => {
    const body = envelope({
      event_uuid: '5934540941047412905',
      filter: {},
      event_type: 'oauth.revoke',
      payload: { date_time: '2026-07-23T21:44:05+00:00', user_id: '1111111111111111111', app_id: '29820954' },
    });
    expect(parse(body).events).toEqual([
      {
        platform: 'twitter',
        accountId: '1111111111111111111',
        eventId: 'oauth.revoke:1111111111111111111:29820954:2026-07-23T21:44:05+00:00',
        type: 'account_changed',
        name: 'oauth.revoke',
        occurredAt: '2026-07-23T21:44:05.000Z',
      },
    ]);
  });

  it('finding 11: event ids are stable across redeliveries (derived from the body, never from now)', () => {
    const first = parse(createBody).events[0]!.eventId;
    expect(parse(createBody, NOW + 60_000).events[0]!.eventId).toBe(first);
    // A redelivery with another event_uuid is still the same post event.
    const otherUuid = createBody.replace('"event_uuid":"2080761390344937796"', '"event_uuid":"9"');
    expect(otherUuid).not.toBe(createBody);
    expect(parse(otherUuid).events[0]!.eventId).toBe(first);
    // Events without an id of their own: the uuid, or a hash of the body when X sent none.
    const follow = envelope({
      event_type: 'follow.follow',
      filter: { user_id: '42' },
      payload: { source: { id: '7' } },
    });
    const followId = parse(follow).events[0]!.eventId;
    expect(parse(follow, NOW + 3_600_000).events[0]!.eventId).toBe(followId);
    expect(followId).not.toContain(String(NOW));
    expect(parse(follow).events[0]).toMatchObject({ type: 'other', name: 'follow.follow', accountId: '42' });
  });

  it('accepts the envelope without the data wrapper', () => {
    const bare = JSON.stringify(JSON.parse(createBody).data);
    expect(parse(bare).events[0]).toMatchObject({ type: 'item_created', itemId: '2080761390344937796' });
  });

  it('drops and logs an event whose ids are not numeric X ids (never a document path)', () => {
    const { logger, lines } = capturingLogger();
    const logging = createTwitterWebhookHandler({ consumerSecret: CONSUMER_SECRET, logger });
    const bodies = [
      envelope({
        event_type: 'post.create',
        filter: { user_id: '42' },
        payload: { id: 'users/x/../y', author_id: '42' },
      }),
      envelope({ event_type: 'post.delete', filter: { user_id: '42/evil' }, payload: { id: '100' } }),
      envelope({ event_type: 'post.delete', filter: { user_id: '42' }, payload: { id: '1'.repeat(20) } }),
      envelope({ event_type: 'oauth.revoke', filter: {}, payload: { user_id: 'abc' } }),
      envelope({
        event_type: 'post.create',
        filter: { user_id: '42' },
        payload: { id: '5', author_id: 'x' },
      }),
      envelope({ event_type: 'follow.follow', filter: {}, payload: {} }),
    ];
    for (const body of bodies) {
      expect(logging.handle(post(body, { 'x-twitter-webhooks-signature': sign(body) }))).toEqual({
        kind: 'events',
        events: [],
      });
    }
    expect(lines).toHaveLength(bodies.length);
    expect(lines.every((l) => l.msg === 'X webhook event dropped' && typeof l.reason === 'string')).toBe(
      true,
    );
  });
});
