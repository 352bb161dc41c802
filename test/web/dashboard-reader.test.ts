/**
 * The dashboard's Firestore reads against the real emulator: the users list pages through every user exactly once
 * in id order whatever number of platforms each has, the id-prefix search, the "needs attention" query, and the
 * newest-first reads of daily insights and items.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { PLATFORM_IDS, type PlatformId } from '../../src/domain';
import { firestoreDashboardReader, type DashboardReader } from '../../src/webhooks/pages';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
let reader: DashboardReader;

/** user id → its platforms (1 to 3) and their statuses. */
const USERS: Record<string, Partial<Record<PlatformId, string>>> = {
  'a-1': { instagram: 'active', twitter: 'active', tiktok: 'active' },
  'a-2': { twitter: 'active' },
  'a-3': { instagram: 'needs_reauth', tiktok: 'active' },
  'a-4': { instagram: 'active', twitter: 'error', tiktok: 'active' },
  ab: { tiktok: 'active' },
  'b-1': { instagram: 'active', twitter: 'active', tiktok: 'disconnected' },
  'b-2': { twitter: 'active', tiktok: 'active' },
};

beforeAll(async () => {
  fs = await testFirestore();
  reader = firestoreDashboardReader(fs.db);
  const batch = fs.db.batch();
  for (const [userId, platforms] of Object.entries(USERS))
    for (const [platform, status] of Object.entries(platforms))
      batch.set(fs.db.doc(`users/${userId}/platforms/${platform}`), {
        accountId: `${platform}-${userId}`,
        status,
        lastSync: Timestamp.fromDate(new Date('2026-12-03T10:00:00Z')),
        lastSyncMode: 'scheduled',
        counts: { posts: 2 },
        ...(status === 'error' ? { error: 'platform answered 500' } : {}),
      });
  const key = 'users/a-1/platforms/instagram';
  for (const date of ['2026-11-30', '2026-12-02', '2026-12-01'])
    batch.set(fs.db.doc(`${key}/insights/${date}`), { date, metrics: { reach: Number(date.slice(-2)) } });
  for (const [i, deleted] of [false, true, false].entries())
    batch.set(fs.db.doc(`${key}/posts/p${i}`), {
      id: `p${i}`,
      createdAt: Timestamp.fromDate(new Date(Date.UTC(2026, 11, 1 + i))),
      text: `post ${i}`,
      metrics: { likes: i },
      attributes: { permalink: `https://www.instagram.com/p/${i}/` },
      ...(deleted ? { deleted: true } : {}),
    });
  await batch.commit();
});
afterAll(async () => {
  await fs?.close();
});

async function allPages(limit: number, prefix?: string): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  do {
    const page = await reader.listUsers({ limit, after, prefix });
    pages.push(page.users.map((u) => u.userId));
    after = page.next;
  } while (after && pages.length < 20);
  return pages;
}

test('pages through every user once, in id order, with all of its connections', async () => {
  const ids = Object.keys(USERS).sort();
  for (const limit of [1, 2, 3, 50]) {
    const pages = await allPages(limit);
    expect(pages.flat()).toEqual(ids);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
  }
  const first = await reader.listUsers({ limit: 2 });
  expect(first.users[0]!.connections.map((c) => c.platform).sort()).toEqual([...PLATFORM_IDS].sort());
  expect(first.users[0]!.connections[0]).toMatchObject({
    status: 'active',
    lastSyncMode: 'scheduled',
    counts: { posts: 2 },
  });
  expect(first.users[0]!.connections[0]!.lastSync?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
});

test('search by id prefix, paged too', async () => {
  expect((await allPages(2, 'a-')).flat()).toEqual(['a-1', 'a-2', 'a-3', 'a-4']);
  expect((await allPages(50, 'a')).flat()).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'ab']);
  expect((await allPages(50, 'b-2')).flat()).toEqual(['b-2']);
  expect((await allPages(50, 'zzz')).flat()).toEqual([]);
});

test('connections that need attention, with their user and error', async () => {
  const problems = await reader.problems(50);
  expect(problems.map((p) => [p.userId, p.platform, p.status]).sort()).toEqual([
    ['a-3', 'instagram', 'needs_reauth'],
    ['a-4', 'twitter', 'error'],
  ]);
  expect(problems.find((p) => p.status === 'error')?.error).toBe('platform answered 500');
});

test('daily insights oldest first (the newest N), recent items newest first without deleted ones', async () => {
  const key = { userId: 'a-1', platform: 'instagram' as const };
  expect((await reader.dailyInsights(key, 2)).map((d) => [d.date, d.metrics.reach])).toEqual([
    ['2026-12-01', 1],
    ['2026-12-02', 2],
  ]);
  const items = await reader.recentItems(key, 'posts', 5);
  expect(items.map((i) => i.id)).toEqual(['p2', 'p0']);
  expect(items[0]!.attributes.permalink).toBe('https://www.instagram.com/p/2/');
  expect(await reader.recentItems(key, 'tweets', 5)).toEqual([]);
});
