/** Webhook redelivery dedupe against the real emulator. */
import { Timestamp } from 'firebase-admin/firestore';
import { httpWebhookDedupe } from '../../src/store/http-ports';
import { createWebhookDedupe } from '../../src/store/webhook-dedupe';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
beforeAll(async () => {
  fs = await testFirestore();
});
afterAll(() => fs?.close());

it('remembers an event once; redeliveries are seen and not remembered again', async () => {
  const dedupe = createWebhookDedupe({ db: fs.db });
  expect(await dedupe.seen('tiktok', 'evt-1')).toBe(false);
  expect(await dedupe.remember('tiktok', 'evt-1')).toBe(true);
  expect(await dedupe.seen('tiktok', 'evt-1')).toBe(true);
  expect(await dedupe.remember('tiktok', 'evt-1')).toBe(false);
  // The same id on another platform is another event.
  expect(await dedupe.seen('instagram', 'evt-1')).toBe(false);
});

it('lets exactly one of several concurrent deliveries through', async () => {
  const dedupe = createWebhookDedupe({ db: fs.db });
  const results = await Promise.all(Array.from({ length: 6 }, () => dedupe.remember('twitter', 'evt-race')));
  expect(results.filter(Boolean)).toHaveLength(1);
});

it('stores a TTL field expiresAt and treats an expired record as absent', async () => {
  let now = Date.parse('2025-05-01T00:00:00Z');
  const dedupe = createWebhookDedupe({ db: fs.db, ttlMs: 60_000, now: () => new Date(now) });
  await dedupe.remember('instagram', 'evt/with/slashes');
  const docs = await fs.db.collection('_webhookEvents').where('eventId', '==', 'evt/with/slashes').get();
  expect(docs.size).toBe(1);
  const expiresAt = docs.docs[0]!.get('expiresAt') as Timestamp;
  expect(expiresAt).toBeInstanceOf(Timestamp);
  expect(expiresAt.toMillis()).toBe(now + 60_000);

  now += 61_000;
  expect(await dedupe.seen('instagram', 'evt/with/slashes')).toBe(false);
  expect(await dedupe.remember('instagram', 'evt/with/slashes')).toBe(true);
  expect(await dedupe.seen('instagram', 'evt/with/slashes')).toBe(true);
});

it('forget lets a failed hand-off be retried', async () => {
  const dedupe = createWebhookDedupe({ db: fs.db });
  await dedupe.remember('tiktok', 'evt-retry');
  await dedupe.forget('tiktok', 'evt-retry');
  expect(await dedupe.seen('tiktok', 'evt-retry')).toBe(false);
  expect(await dedupe.remember('tiktok', 'evt-retry')).toBe(true);
});

describe('httpWebhookDedupe (the HTTP service port)', () => {
  it('dedupes per connection: the same event for two users of one account is delivered to each once', async () => {
    const port = httpWebhookDedupe(createWebhookDedupe({ db: fs.db }));
    const alice = { userId: 'alice', platform: 'instagram' as const };
    const bob = { userId: 'bob', platform: 'instagram' as const };
    expect(await port.seen(alice, ['e1', 'e2'])).toEqual(new Set());
    await port.remember(alice, ['e1', 'e2', 'e1']);
    expect(await port.seen(alice, ['e1', 'e2', 'e3'])).toEqual(new Set(['e1', 'e2']));
    expect(await port.seen(bob, ['e1'])).toEqual(new Set());
    expect(await port.seen(alice, [])).toEqual(new Set());
  });
});

it('seenMany / rememberMany: one read and one batched write for several events; expired records are absent', async () => {
  let now = Date.parse('2025-06-01T00:00:00Z');
  const dedupe = createWebhookDedupe({ db: fs.db, ttlMs: 60_000, now: () => new Date(now) });
  expect(await dedupe.seenMany('tiktok', [])).toEqual(new Set());
  await dedupe.rememberMany('tiktok', ['m1', 'm2', 'm1']);
  expect(await dedupe.seenMany('tiktok', ['m1', 'm2', 'm3', 'm2'])).toEqual(new Set(['m1', 'm2']));
  // A record written by rememberMany is the same record `remember` creates: a later remember is refused.
  expect(await dedupe.remember('tiktok', 'm1')).toBe(false);
  now += 61_000;
  expect(await dedupe.seenMany('tiktok', ['m1', 'm2'])).toEqual(new Set());
});
