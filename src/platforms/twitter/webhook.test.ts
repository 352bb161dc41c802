import { createHmac } from 'node:crypto';
import type { WebhookRequest } from '../types';
import { WebhookEvent } from '../types';
import { createTwitterWebhookHandler, crcResponse, parseActivity } from './webhook';

const SECRET = 'client-secret-for-tests';
const handler = createTwitterWebhookHandler({ clientSecret: SECRET });
const sign = (body: string) => 'sha256=' + createHmac('sha256', SECRET).update(body).digest('base64');

function post(body: string, headers: WebhookRequest['headers']): WebhookRequest {
  return {
    method: 'POST',
    headers,
    query: {},
    rawBody: Buffer.from(body),
    now: Date.parse('2026-03-01T00:00:00Z'),
  };
}

const createBody = JSON.stringify({
  for_user_id: '2244994945',
  tweet_create_events: [
    {
      id_str: '1880000000000000000',
      created_at: 'Sun Mar 01 10:00:00 +0000 2026',
      timestamp_ms: '1772359200000',
      text: 'hi',
      user: { id_str: '2244994945' },
    },
  ],
});

describe('CRC', () => {
  it('answers the handshake with base64 HMAC-SHA256 of crc_token', () => {
    const result = handler.handle({
      method: 'GET',
      headers: {},
      query: { crc_token: 'abc123' },
      rawBody: Buffer.alloc(0),
      now: 0,
    });
    const expected = 'sha256=' + createHmac('sha256', SECRET).update('abc123').digest('base64');
    expect(result).toEqual({
      kind: 'handshake',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ response_token: expected }),
    });
    expect(crcResponse(SECRET, 'abc123').response_token).toBe(expected);
  });

  it('rejects a GET without crc_token with 400', () => {
    expect(
      handler.handle({ method: 'GET', headers: {}, query: {}, rawBody: Buffer.alloc(0), now: 0 }),
    ).toMatchObject({ kind: 'rejected', status: 400 });
  });
});

describe('signature verification', () => {
  it('accepts the OAuth2 header', () => {
    const result = handler.handle(
      post(createBody, { 'x-twitter-webhooks-signature-oauth2': sign(createBody) }),
    );
    expect(result.kind).toBe('events');
  });

  it('accepts the legacy header alone, whatever its case', () => {
    const result = handler.handle(post(createBody, { 'X-Twitter-Webhooks-Signature': sign(createBody) }));
    expect(result.kind).toBe('events');
  });

  it('rejects a forged signature with 401', () => {
    const forged = 'sha256=' + createHmac('sha256', 'other-secret').update(createBody).digest('base64');
    expect(handler.handle(post(createBody, { 'x-twitter-webhooks-signature-oauth2': forged }))).toMatchObject(
      { kind: 'rejected', status: 401 },
    );
  });

  it('rejects a body changed after signing with 401', () => {
    const signature = sign(createBody);
    expect(
      handler.handle(
        post(createBody.replace('hi', 'ho'), { 'x-twitter-webhooks-signature-oauth2': signature }),
      ),
    ).toMatchObject({ status: 401 });
  });

  it('rejects a missing signature with 401', () => {
    expect(handler.handle(post(createBody, {}))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('rejects a correctly signed but malformed body with 400', () => {
    for (const body of [
      'not json',
      '[]',
      JSON.stringify({ tweet_create_events: 'nope', for_user_id: '1' }),
      JSON.stringify({ hello: 1 }),
    ]) {
      expect(handler.handle(post(body, { 'x-twitter-webhooks-signature-oauth2': sign(body) }))).toMatchObject(
        { kind: 'rejected', status: 400 },
      );
    }
  });
});

describe('parseActivity', () => {
  const now = Date.parse('2026-03-01T00:00:00Z');

  it('maps every event family with stable ids and the account id', () => {
    const events = parseActivity(
      {
        for_user_id: '42',
        tweet_create_events: [{ id_str: '100', timestamp_ms: '1772359200000', user: { id_str: '42' } }],
        favorite_events: [
          {
            id: 'f1',
            timestamp_ms: 1772359201000,
            favorited_status: { id_str: '100', user: { id_str: '42' } },
            user: { id_str: '7' },
          },
          {
            id: 'f2',
            timestamp_ms: 1772359202000,
            favorited_status: { id_str: '900', user: { id_str: '8' } },
            user: { id_str: '42' },
          },
        ],
        follow_events: [
          { type: 'follow', created_timestamp: '1772359203000', target: { id: '42' }, source: { id: '7' } },
        ],
        tweet_delete_events: [{ status: { id: '101', user_id: '42' }, timestamp_ms: '1772359204000' }],
      },
      now,
    );
    for (const e of events) expect(WebhookEvent.parse(e)).toEqual(e);
    expect(events.map((e) => [e.type, e.name, e.itemId])).toEqual([
      ['item_created', 'tweet_create_events', '100'],
      ['item_changed', 'favorite_events', '100'],
      ['other', 'favorite_events', undefined],
      ['account_changed', 'follow_events', undefined],
      ['item_deleted', 'tweet_delete_events', '101'],
    ]);
    expect(events.every((e) => e.accountId === '42')).toBe(true);
    expect(events[0]!.occurredAt).toBe('2026-03-01T10:00:00.000Z');
    // Redelivery of the same body gives the same ids (the dedupe key).
    expect(
      parseActivity(
        {
          for_user_id: '42',
          tweet_create_events: [{ id_str: '100', timestamp_ms: '1772359200000', user: { id_str: '42' } }],
        },
        now + 5000,
      )[0]!.eventId,
    ).toBe(events[0]!.eventId);
  });

  it('maps a user_event revoke (no for_user_id) to authorization_revoked for the source user', () => {
    const events = parseActivity(
      {
        user_event: {
          revoke: {
            date_time: '2026-03-01T09:48:12+00:00',
            target: { app_id: '13090192' },
            source: { user_id: '63046977' },
          },
        },
      },
      now,
    );
    expect(events).toEqual([
      {
        platform: 'twitter',
        accountId: '63046977',
        eventId: 'user_event:revoke:63046977:13090192:2026-03-01T09:48:12+00:00',
        type: 'authorization_revoked',
        name: 'user_event',
        occurredAt: '2026-03-01T09:48:12.000Z',
      },
    ]);
  });

  it("keeps a mention by someone else as other, not as the user's item", () => {
    const [event] = parseActivity(
      { for_user_id: '42', tweet_create_events: [{ id_str: '5', user: { id_str: '9' } }] },
      now,
    );
    expect(event).toMatchObject({ type: 'other', name: 'tweet_create_events' });
    expect(event!.itemId).toBeUndefined();
  });
});
