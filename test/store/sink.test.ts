/** The Firestore sink against the real emulator: layout, types, batching, idempotency, metric removal, deletions. */
import { Timestamp } from 'firebase-admin/firestore';
import type { Item, ItemKind } from '../../src/platforms/types';
import { createFirestoreSink } from '../../src/store/sink';
import type { SyncSink } from '../../src/store/types';
import { testFirestore, type TestFirestore } from '../helpers/servers';
import type { ConnectionKey } from '../../src/domain';

let fs: TestFirestore;
let sink: SyncSink;

beforeAll(async () => {
  fs = await testFirestore();
  sink = createFirestoreSink(fs.db);
});
afterAll(() => fs?.close());

let n = 0;
/** A connection of its own per test, so tests never see each other's documents. */
const connection = (platform: ConnectionKey['platform'] = 'instagram'): ConnectionKey => ({
  userId: `user-${++n}`,
  platform,
});

const BASE = Date.parse('2025-03-01T00:00:00Z');
function item(kind: ItemKind, i: number, metrics: Record<string, number> = { likes: i, comments: 1 }): Item {
  return {
    kind,
    id: String(1_000_000 + i),
    createdAt: new Date(BASE + i * 60_000).toISOString(),
    text: `caption ${i}`,
    metrics,
    attributes: { mediaType: 'IMAGE' },
  };
}

const itemDoc = (key: ConnectionKey, kind: ItemKind, id: string) =>
  fs.db.doc(`users/${key.userId}/platforms/${key.platform}/${kind}/${id}`).get();

describe('writeItems', () => {
  it('writes the contract fields with a Firestore Timestamp and the platform id as document id', async () => {
    const key = connection();
    await sink.writeItems(key, 'posts', [item('posts', 1)], { syncId: 's1' });
    const snap = await itemDoc(key, 'posts', '1000001');
    expect(snap.exists).toBe(true);
    const data = snap.data()!;
    expect(data).toMatchObject({
      id: '1000001',
      text: 'caption 1',
      metrics: { likes: 1, comments: 1 },
      attributes: { mediaType: 'IMAGE' },
      lastSeenSync: 's1',
      deleted: false,
    });
    expect(data.createdAt).toBeInstanceOf(Timestamp);
    expect((data.createdAt as Timestamp).toDate().toISOString()).toBe('2025-03-01T00:01:00.000Z');
    expect(data.updatedAt).toBeInstanceOf(Timestamp);
    expect(Object.keys(data).sort()).toEqual(
      ['attributes', 'createdAt', 'deleted', 'id', 'lastSeenSync', 'metrics', 'text', 'updatedAt'].sort(),
    );
  });

  it('splits 1,203 items over batches of at most 500 and writes every one', async () => {
    const key = connection('tiktok');
    const items = Array.from({ length: 1203 }, (_, i) => item('videos', i, { views: i }));
    expect(await sink.writeItems(key, 'videos', items, { syncId: 'big' })).toBe(1203);
    expect(await sink.countItems(key, 'videos')).toBe(1203);
    const last = await itemDoc(key, 'videos', '1001202');
    expect(last.get('metrics')).toEqual({ views: 1202 });
  });

  it('is idempotent: writing the same items again leaves one document each with the same content', async () => {
    const key = connection('twitter');
    const items = Array.from({ length: 5 }, (_, i) => item('tweets', i, { impressions: 10 * i }));
    await sink.writeItems(key, 'tweets', items, { syncId: 's1' });
    const first = await itemDoc(key, 'tweets', '1000003');
    await sink.writeItems(key, 'tweets', items, { syncId: 's1' });
    const snapshot = await fs.db.collection(`users/${key.userId}/platforms/twitter/tweets`).get();
    expect(snapshot.size).toBe(5);
    const again = await itemDoc(key, 'tweets', '1000003');
    const { updatedAt: _a, ...before } = first.data()!;
    const { updatedAt: _b, ...after } = again.data()!;
    expect(after).toEqual(before);
  });

  it('replaces the metrics map: a metric the platform no longer returns disappears (never 0)', async () => {
    const key = connection();
    await sink.writeItems(key, 'posts', [item('posts', 7, { likes: 5, reach: 100, saves: 2 })], {
      syncId: 's1',
    });
    await sink.writeItems(key, 'posts', [item('posts', 7, { likes: 6 })], { syncId: 's2' });
    const snap = await itemDoc(key, 'posts', '1000007');
    expect(snap.get('metrics')).toEqual({ likes: 6 });
    expect(snap.get('lastSeenSync')).toBe('s2');
  });

  it('keeps attributes when an update carries none and replaces them when it does', async () => {
    const key = connection();
    await sink.writeItems(key, 'posts', [{ ...item('posts', 1), attributes: { mediaType: 'VIDEO', a: 1 } }], {
      syncId: 's1',
    });
    const { attributes: _none, ...bare } = item('posts', 1);
    await sink.writeItems(key, 'posts', [bare], { syncId: 's2' });
    expect((await itemDoc(key, 'posts', '1000001')).get('attributes')).toEqual({ mediaType: 'VIDEO', a: 1 });
    await sink.writeItems(key, 'posts', [{ ...bare, attributes: { mediaType: 'IMAGE' } }], { syncId: 's3' });
    expect((await itemDoc(key, 'posts', '1000001')).get('attributes')).toEqual({ mediaType: 'IMAGE' });
  });

  it('refuses items of another kind and kinds the platform does not have', async () => {
    const key = connection();
    await expect(sink.writeItems(key, 'posts', [item('stories', 1)], { syncId: 's' })).rejects.toThrow(
      /not posts/,
    );
    await expect(sink.writeItems(key, 'tweets', [item('tweets', 1)], { syncId: 's' })).rejects.toThrow(
      /instagram has no "tweets"/,
    );
  });
});

describe('deletions', () => {
  it('markUnseenDeleted marks only items in the range that the sync did not see', async () => {
    const key = connection();
    const items = Array.from({ length: 10 }, (_, i) => item('posts', i));
    await sink.writeItems(key, 'posts', items, { syncId: 'old' });
    // The new sync sees every item except 3 and 6; item 9 lies outside the range it covered.
    const seen = items.filter((_, i) => i !== 3 && i !== 6 && i !== 9);
    await sink.writeItems(key, 'posts', seen, { syncId: 'new' });
    const deleted = await sink.markUnseenDeleted(key, 'posts', {
      syncId: 'new',
      from: new Date(BASE),
      to: new Date(BASE + 8 * 60_000),
    });
    expect(deleted.sort()).toEqual(['1000003', '1000006']);
    const gone = await itemDoc(key, 'posts', '1000003');
    expect(gone.get('deleted')).toBe(true);
    expect(gone.get('deletedAt')).toBeInstanceOf(Timestamp);
    expect((await itemDoc(key, 'posts', '1000009')).get('deleted')).toBe(false);
    expect(await sink.countItems(key, 'posts')).toBe(8);

    // Running it again marks nothing new (already deleted) — safe to retry.
    expect(
      await sink.markUnseenDeleted(key, 'posts', {
        syncId: 'new',
        from: new Date(BASE),
        to: new Date(BASE + 8 * 60_000),
      }),
    ).toEqual([]);
  });

  it('markDeleted marks stored items, ignores unknown ids, and a later sighting revives the item', async () => {
    const key = connection('tiktok');
    await sink.writeItems(key, 'videos', [item('videos', 1), item('videos', 2)], { syncId: 's1' });
    await sink.markDeleted(key, 'videos', ['1000001', 'never-stored']);
    expect((await itemDoc(key, 'videos', '1000001')).get('deleted')).toBe(true);
    expect((await itemDoc(key, 'videos', 'never-stored')).exists).toBe(false);
    expect(await sink.countItems(key, 'videos')).toBe(1);

    await sink.writeItems(key, 'videos', [item('videos', 1)], { syncId: 's2' });
    const revived = await itemDoc(key, 'videos', '1000001');
    expect(revived.get('deleted')).toBe(false);
    expect(revived.get('deletedAt')).toBeUndefined();
    expect(await sink.countItems(key, 'videos')).toBe(2);
  });
});

describe('account and connection', () => {
  it('writes profile, insights and audience on the platform document and each day at insights/{date}', async () => {
    const key = connection();
    await sink.writeAccount(key, {
      accountId: 'ig-1',
      profile: { username: 'ada', displayName: 'Ada', followers: 10, following: 2, postCount: 3 },
      insights: { reach: 50, views: 70 },
      audience: { country: { US: 6, DE: 4 } },
      daily: [
        { date: '2025-03-01', metrics: { reach: 20 } },
        { date: '2025-03-02', metrics: { reach: 30, views: 40 } },
      ],
    });
    const doc = await fs.db.doc(`users/${key.userId}/platforms/instagram`).get();
    expect(doc.data()).toMatchObject({
      accountId: 'ig-1',
      profile: { username: 'ada', displayName: 'Ada', followers: 10, following: 2, postCount: 3 },
      insights: { reach: 50, views: 70 },
      audience: { country: { US: 6, DE: 4 } },
    });
    const day = await fs.db.doc(`users/${key.userId}/platforms/instagram/insights/2025-03-02`).get();
    expect(day.data()).toMatchObject({ date: '2025-03-02', metrics: { reach: 30, views: 40 } });

    // The next snapshot lacks followers and audience: both disappear; the daily metric map is replaced.
    await sink.writeAccount(key, {
      accountId: 'ig-1',
      profile: { username: 'ada', displayName: null },
      insights: { reach: 55 },
      daily: [{ date: '2025-03-02', metrics: { reach: 31 } }],
    });
    const after = (await fs.db.doc(`users/${key.userId}/platforms/instagram`).get()).data()!;
    expect(after.profile).toEqual({ username: 'ada', displayName: null });
    expect(after.insights).toEqual({ reach: 55 });
    expect(after.audience).toBeUndefined();
    const dayAfter = await fs.db.doc(`users/${key.userId}/platforms/instagram/insights/2025-03-02`).get();
    expect(dayAfter.get('metrics')).toEqual({ reach: 31 });
  });

  it('updateConnection stores lastSync as a Timestamp and readConnection returns a Date', async () => {
    const key = connection('twitter');
    expect(await sink.readConnection(key)).toBeUndefined();
    await sink.updateConnection(key, {
      accountId: 'x-1',
      status: 'connecting',
      lastSync: null,
      lastSyncMode: null,
    });
    const lastSync = new Date('2025-03-04T05:06:07.891Z');
    await sink.updateConnection(key, {
      status: 'active',
      lastSync,
      lastSyncMode: 'initial',
      error: null,
      counts: { tweets: 12 },
      cursors: { tweets: { newestId: '99' } },
    });
    const raw = await fs.db.doc(`users/${key.userId}/platforms/twitter`).get();
    expect(raw.get('lastSync')).toBeInstanceOf(Timestamp);
    expect(raw.get('status')).toBe('active');

    const doc = await sink.readConnection(key);
    expect(doc).toEqual({
      accountId: 'x-1',
      status: 'active',
      lastSync,
      lastSyncMode: 'initial',
      error: null,
      counts: { tweets: 12 },
      cursors: { tweets: { newestId: '99' } },
    });
    expect(doc!.lastSync).toBeInstanceOf(Date);
  });

  it('merges counts/cursors/pending per item kind and leaves other fields alone', async () => {
    const key = connection();
    await sink.updateConnection(key, {
      accountId: 'ig-2',
      status: 'syncing',
      cursors: { posts: { newestId: 'p1' }, stories: { newestId: 's1' } },
      pending: { posts: 2 },
    });
    await sink.updateConnection(key, { cursors: { posts: { newestId: 'p2' } }, pending: { posts: 1 } });
    const doc = await sink.readConnection(key);
    expect(doc).toMatchObject({
      accountId: 'ig-2',
      status: 'syncing',
      cursors: { posts: { newestId: 'p2' }, stories: { newestId: 's1' } },
      pending: { posts: 1 },
    });
  });

  it('countItems counts only documents that are not deleted', async () => {
    const key = connection();
    expect(await sink.countItems(key, 'stories')).toBe(0);
    await sink.writeItems(key, 'stories', [item('stories', 1), item('stories', 2), item('stories', 3)], {
      syncId: 's',
    });
    await sink.markDeleted(key, 'stories', ['1000002']);
    expect(await sink.countItems(key, 'stories')).toBe(2);
  });
});
