import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { chunk } from './batches';
import { fromConnectionData, toAccountWrite, toConnectionWrite, toItemWrite } from './sink';

describe('toItemWrite', () => {
  const item = {
    kind: 'tweets' as const,
    id: '17',
    createdAt: '2025-02-03T04:05:06+02:00',
    text: 'hello',
    metrics: { likes: 3, impressions: Number.NaN, replies: 0 },
  };

  it('stores createdAt as a Timestamp, keeps real zeros, drops non-numbers, and names every field it replaces', () => {
    const { data, mergeFields } = toItemWrite(item, 'sync-1');
    expect(data.createdAt).toEqual(Timestamp.fromDate(new Date('2025-02-03T02:05:06Z')));
    expect(data.metrics).toEqual({ likes: 3, replies: 0 });
    expect(data).toMatchObject({ id: '17', text: 'hello', lastSeenSync: 'sync-1', deleted: false });
    expect(data.deletedAt).toEqual(FieldValue.delete());
    expect(mergeFields.sort()).toEqual(
      ['createdAt', 'deleted', 'deletedAt', 'id', 'lastSeenSync', 'metrics', 'text', 'updatedAt'].sort(),
    );
  });

  it('replaces attributes only when the item carries them', () => {
    expect(toItemWrite({ ...item, attributes: { lang: 'en' } }, 's').mergeFields).toContain('attributes');
  });

  it('refuses an unparseable createdAt', () => {
    expect(() => toItemWrite({ ...item, createdAt: 'yesterday' }, 's')).toThrow(/item 17 createdAt/);
  });
});

describe('toAccountWrite', () => {
  it('removes insights and audience the snapshot no longer has', () => {
    const { data, mergeFields } = toAccountWrite({
      accountId: 'a',
      profile: { username: 'u', displayName: null },
    });
    expect(data.insights).toEqual(FieldValue.delete());
    expect(data.audience).toEqual(FieldValue.delete());
    expect(mergeFields).toEqual(expect.arrayContaining(['accountId', 'profile', 'insights', 'audience']));
  });

  it('replaces the unavailable map as a whole, and removes it when nothing is refused any more', () => {
    const refused = toAccountWrite({
      accountId: 'a',
      profile: { username: 'u', displayName: null },
      unavailable: { reach: '(#100) not available' },
    });
    expect(refused.data.unavailable).toEqual({ reach: '(#100) not available' });
    expect(refused.mergeFields).toContain('unavailable');
    const healthy = toAccountWrite({ accountId: 'a', profile: { username: 'u', displayName: null } });
    expect(healthy.data.unavailable).toEqual(FieldValue.delete());
    expect(healthy.mergeFields).toContain('unavailable');
  });
});

describe('toConnectionWrite', () => {
  it('converts lastSync to a Timestamp, keeps nulls, skips undefined and merges per-kind maps by kind', () => {
    const lastSync = new Date('2025-01-01T00:00:00Z');
    const { data, mergeFields } = toConnectionWrite({
      status: 'active',
      lastSync,
      error: null,
      lastSyncMode: undefined,
      cursors: { posts: { newestId: '9' }, stories: undefined },
      counts: { posts: 4 },
    });
    expect(data).toMatchObject({
      status: 'active',
      lastSync: Timestamp.fromDate(lastSync),
      error: null,
      cursors: { posts: { newestId: '9' } },
      counts: { posts: 4 },
    });
    expect(mergeFields.sort()).toEqual([
      'counts.posts',
      'cursors.posts',
      'error',
      'lastSync',
      'status',
      'updatedAt',
    ]);
  });
});

describe('fromConnectionData', () => {
  it('turns Timestamps into Dates, fills defaults and drops internal fields', () => {
    const doc = fromConnectionData({
      accountId: 'x',
      lastSync: Timestamp.fromMillis(1_000),
      updatedAt: Timestamp.fromMillis(2_000),
      counts: { tweets: 1 },
      unavailable: { stories: 'refused' },
      webhooks: { subscribed: false, error: 'boom' },
    });
    expect(doc).toEqual({
      unavailable: { stories: 'refused' },
      webhooks: { subscribed: false, error: 'boom' },
      accountId: 'x',
      status: 'connecting',
      lastSync: new Date(1_000),
      lastSyncMode: null,
      counts: { tweets: 1 },
    });
  });
});

describe('chunk', () => {
  it('splits 1,203 writes into 500 + 500 + 203', () => {
    expect(
      chunk(
        Array.from({ length: 1203 }, (_, i) => i),
        500,
      ).map((c) => c.length),
    ).toEqual([500, 500, 203]);
    expect(chunk([], 500)).toEqual([]);
  });
});
