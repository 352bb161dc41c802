import { createHmac } from 'node:crypto';
import { createInstagramWebhookHandler } from './webhook';

const appSecret = 'app-secret-123';
const handler = createInstagramWebhookHandler({ appSecret, verifyToken: 'verify-me' });
const sign = (body: string, secret = appSecret) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = (body: string, headers: Record<string, string> = {}) =>
  handler.handle({ method: 'POST', headers, query: {}, rawBody: Buffer.from(body), now: 0 });

const commentBody = JSON.stringify({
  object: 'instagram',
  entry: [
    {
      id: '17841405793187218',
      time: 1_780_000_000,
      changes: [
        {
          field: 'comments',
          value: {
            id: '17865799348089039',
            from: { id: '1', username: 'fan' },
            text: 'wow',
            media: { id: '18077014438321923', media_product_type: 'FEED' },
          },
        },
        { field: 'mentions', value: { media_id: '17918195224117851', comment_id: '17894227972186120' } },
      ],
    },
  ],
});

describe('Instagram webhook handshake', () => {
  it('echoes hub.challenge as text when the verify token matches', () => {
    const res = handler.handle({
      method: 'GET',
      headers: {},
      query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' },
      rawBody: Buffer.alloc(0),
      now: 0,
    });
    expect(res).toEqual({ kind: 'handshake', status: 200, contentType: 'text/plain', body: '1158201444' });
  });

  it('rejects a wrong verify token or mode with 403', () => {
    for (const query of [
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' },
    ]) {
      expect(
        handler.handle({ method: 'GET', headers: {}, query, rawBody: Buffer.alloc(0), now: 0 }),
      ).toMatchObject({ kind: 'rejected', status: 403 });
    }
  });
});

describe('Instagram webhook events', () => {
  it('accepts a correctly signed body and parses comments and mentions with stable ids', () => {
    const res = post(commentBody, { 'X-Hub-Signature-256': sign(commentBody) });
    expect(res.kind).toBe('events');
    if (res.kind !== 'events') return;
    expect(res.events).toEqual([
      {
        platform: 'instagram',
        eventId: '17841405793187218:1780000000:comments:17865799348089039',
        accountId: '17841405793187218',
        type: 'item_changed',
        name: 'comments',
        itemKind: 'posts',
        itemId: '18077014438321923',
        occurredAt: new Date(1_780_000_000_000).toISOString(),
      },
      {
        platform: 'instagram',
        eventId: '17841405793187218:1780000000:mentions:17894227972186120',
        accountId: '17841405793187218',
        type: 'other',
        name: 'mentions',
        occurredAt: new Date(1_780_000_000_000).toISOString(),
      },
    ]);
    // Redelivery of the same body yields the same event ids (dedupe key).
    const again = post(commentBody, { 'x-hub-signature-256': sign(commentBody) });
    expect(again).toEqual(res);
  });

  it('rejects missing, forged and malformed signatures with 401', () => {
    expect(post(commentBody)).toMatchObject({ kind: 'rejected', status: 401 });
    expect(post(commentBody, { 'x-hub-signature-256': sign(commentBody, 'other-secret') })).toMatchObject({
      status: 401,
    });
    expect(post(commentBody, { 'x-hub-signature-256': 'sha256=zz' })).toMatchObject({ status: 401 });
    expect(
      post(commentBody, { 'x-hub-signature-256': sign(commentBody).replace('sha256=', 'sha1=') }),
    ).toMatchObject({ status: 401 });
    // A signature over different bytes (re-serialized JSON) does not verify the raw body.
    const reformatted = JSON.stringify(JSON.parse(commentBody), null, 2);
    expect(post(reformatted, { 'x-hub-signature-256': sign(commentBody) })).toMatchObject({ status: 401 });
  });

  it('rejects correctly signed bodies that are not Instagram webhooks with 400', () => {
    for (const body of [
      'not json',
      '{"object":"page","entry":[]}',
      '{"object":"instagram"}',
      '{"object":"instagram","entry":[{"id":"1","time":1,"changes":[{"field":"comments","value":{"text":"no id"}}]}]}',
    ]) {
      expect(post(body, { 'x-hub-signature-256': sign(body) })).toMatchObject({
        kind: 'rejected',
        status: 400,
      });
    }
  });

  it('maps story comments to the stories collection', () => {
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: '1',
          time: 5,
          changes: [
            { field: 'comments', value: { id: 'c', media: { id: 's1', media_product_type: 'STORY' } } },
          ],
        },
      ],
    });
    const res = post(body, { 'x-hub-signature-256': sign(body) });
    expect(res).toMatchObject({
      kind: 'events',
      events: [{ type: 'item_changed', itemKind: 'stories', itemId: 's1' }],
    });
  });
});
