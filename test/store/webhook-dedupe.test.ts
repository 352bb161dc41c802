/** Webhook redelivery dedupe against the real emulator. */
import { Timestamp } from 'firebase-admin/firestore';
import { createWebhookDedupe } from '../../src/store/webhook-dedupe';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
beforeAll(async () => {
  fs = await testFirestore();
});
afterAll(() => fs?.close());

it('dedupes per connection: the same event for two users of one account is delivered to each once', async () => {
  const dedupe = createWebhookDedupe({ db: fs.db });
  const alice = { userId: 'alice', platform: 'instagram' as const };
  const bob = { userId: 'bob', platform: 'instagram' as const };
  expect(await dedupe.seen(alice, ['e1', 'e2'])).toEqual(new Set());
  await dedupe.remember(alice, ['e1', 'e2', 'e1']);
  expect(await dedupe.seen(alice, ['e1', 'e2', 'e3'])).toEqual(new Set(['e1', 'e2']));
  expect(await dedupe.seen(bob, ['e1'])).toEqual(new Set());
  // The same id on another platform is another event.
  expect(await dedupe.seen({ userId: 'alice', platform: 'tiktok' }, ['e1'])).toEqual(new Set());
  expect(await dedupe.seen(alice, [])).toEqual(new Set());
});

it('stores a TTL field expiresAt and treats an expired record as absent', async () => {
  let now = Date.parse('2025-05-01T00:00:00Z');
  const dedupe = createWebhookDedupe({ db: fs.db, ttlMs: 60_000, now: () => new Date(now) });
  const key = { userId: 'carol', platform: 'instagram' as const };
  await dedupe.remember(key, ['evt/with/slashes']);
  const docs = await fs.db.collection('_webhookEvents').where('eventId', '==', 'evt/with/slashes').get();
  expect(docs.size).toBe(1);
  expect(docs.docs[0]!.get('userId')).toBe('carol');
  const expiresAt = docs.docs[0]!.get('expiresAt') as Timestamp;
  expect(expiresAt).toBeInstanceOf(Timestamp);
  expect(expiresAt.toMillis()).toBe(now + 60_000);

  now += 61_000;
  expect(await dedupe.seen(key, ['evt/with/slashes'])).toEqual(new Set());
  // Remembered again after it expired: the record (and its TTL) starts over.
  await dedupe.remember(key, ['evt/with/slashes']);
  expect(await dedupe.seen(key, ['evt/with/slashes'])).toEqual(new Set(['evt/with/slashes']));
});

it('one read and batched writes for many events: more than one commit of 500 writes', async () => {
  let now = Date.parse('2025-06-01T00:00:00Z');
  const dedupe = createWebhookDedupe({ db: fs.db, ttlMs: 60_000, now: () => new Date(now) });
  const key = { userId: 'dan', platform: 'tiktok' as const };
  const ids = Array.from({ length: 501 }, (_, i) => `m${i}`);
  await dedupe.remember(key, ids);
  expect(await dedupe.seen(key, [...ids, 'm-new', 'm3'])).toEqual(new Set(ids));
  now += 61_000;
  expect(await dedupe.seen(key, ['m1', 'm2'])).toEqual(new Set());
});

it('concurrent calls of many connections, sent together, each get exactly their own answer', async () => {
  const dedupe = createWebhookDedupe({ db: fs.db });
  const keys = Array.from({ length: 12 }, (_, i) => ({ userId: `con-${i}`, platform: 'tiktok' as const }));
  // Every connection remembers its own event and one id all of them share, at once (one batched commit).
  await Promise.all(keys.map((key, i) => dedupe.remember(key, [`e${i}`, `shared`])));
  const answers = await Promise.all(keys.map((key, i) => dedupe.seen(key, [`e${i}`, `e${i + 1}`, 'shared'])));
  keys.forEach((_, i) => expect(answers[i]).toEqual(new Set([`e${i}`, 'shared'])));
  // Reads and writes racing each other: a read sees either nothing or the whole write of that connection.
  const late = { userId: 'con-late', platform: 'tiktok' as const };
  const [before] = await Promise.all([dedupe.seen(late, ['x']), dedupe.remember(late, ['x'])]);
  expect(before.size === 0 || before.has('x')).toBe(true);
  expect(await dedupe.seen(late, ['x'])).toEqual(new Set(['x']));
});
