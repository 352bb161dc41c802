/**
 * syncItemsPages (issue 13): several pages per activity, each written before the next is read, progress recorded as
 * heartbeat details, and a retried attempt resuming from them. The connector and sink are in-memory fakes; the
 * activity runs in Temporal's MockActivityEnvironment, which records heartbeats and hands an attempt its details.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Item, ItemPage, ListItemsRequest, PlatformConnector } from '../platforms/types';
import { PlatformError } from '../platforms/errors';
import { silentLogger } from '../shared/logger';
import type { SyncSink, TokenStore } from '../store/types';
import type { PagesCheckpoint, SchedulePauser, SyncItemsPagesResult } from './types';
import { createActivities, foldPage } from './index';
import type { ConnectionKey } from '../domain';

const key: ConnectionKey = { userId: 'u1', platform: 'tiktok' };
const DAY = 86_400_000;

function item(n: number): Item {
  return {
    kind: 'videos',
    id: `v${n}`,
    createdAt: new Date(Date.UTC(2026, 10, 30) - n * DAY).toISOString(),
    text: `video ${n}`,
    metrics: { views: n },
  } as Item;
}

/**
 * Five pages of two videos, newest first; `failAt` pages answer 503 once. With `billed`, every read is billed
 * (like X: 2 posts a page) and `usage` lists what went on the connection's usage, call by call.
 */
function world(opts: { failAt?: string[]; billed?: boolean } = {}) {
  const usage: number[] = [];
  const asked: (string | undefined)[] = [];
  const written: string[][] = [];
  const failing = new Set(opts.failAt ?? []);
  const pages = [0, 1, 2, 3, 4].map((p) => [item(2 * p), item(2 * p + 1)]);
  const connector = {
    id: 'tiktok',
    rateLimits: [],
    async listItems(_tokens: unknown, req: ListItemsRequest): Promise<ItemPage> {
      asked.push(req.cursor);
      const index = req.cursor ? Number(req.cursor.slice(1)) : 0;
      if (req.cursor && failing.delete(req.cursor))
        throw new PlatformError('transient', 'HTTP 503', { platform: 'tiktok', endpoint: 'video/list' });
      return {
        items: pages[index]!,
        ...(index + 1 < pages.length ? { nextCursor: `p${index + 1}` } : {}),
        usage: { 'video/list': 1 },
        ...(opts.billed ? { reads: { posts: pages[index]!.length, users: 0 } } : {}),
      };
    },
    ...(opts.billed ? { billing: { prices: { postUsd: 0.005, userUsd: 0.01 } } } : {}),
  } as unknown as PlatformConnector;
  const sink = {
    async writeItems(_key: ConnectionKey, _kind: string, items: Item[]) {
      written.push(items.map((i) => i.id));
      return items.length;
    },
    async addUsage(_key: ConnectionKey, add: { postReads: number }) {
      usage.push(add.postReads);
      return add;
    },
  } as unknown as SyncSink;
  const tokenStore = {
    load: async () => ({ accessToken: 'token', accountId: 'acc' }),
  } as unknown as TokenStore;
  const activities = createActivities({
    connectors: { tiktok: connector },
    sink,
    tokenStore,
    schedules: {} as SchedulePauser,
    logger: silentLogger,
  });
  return { activities, asked, written, usage };
}

async function attempt(
  activities: ReturnType<typeof world>['activities'],
  input: { maxPages: number; cursor?: string },
  heartbeatDetails?: PagesCheckpoint,
): Promise<{ result?: SyncItemsPagesResult; error?: unknown; beats: PagesCheckpoint[] }> {
  const env = new MockActivityEnvironment(heartbeatDetails ? { heartbeatDetails } : {});
  const beats: PagesCheckpoint[] = [];
  env.on('heartbeat', (d: PagesCheckpoint) => beats.push(d));
  try {
    const result = await env.run(activities.syncItemsPages, {
      key,
      kind: 'videos' as const,
      syncId: 's1',
      ...input,
    });
    return { result: result as SyncItemsPagesResult, beats };
  } catch (error) {
    return { error, beats };
  }
}

describe('syncItemsPages', () => {
  it('reads and writes up to maxPages pages and says where the walk goes on', async () => {
    const { activities, asked, written } = world();
    const { result } = await attempt(activities, { maxPages: 3 });
    expect(asked).toEqual([undefined, 'p1', 'p2']);
    expect(written).toEqual([
      ['v0', 'v1'],
      ['v2', 'v3'],
      ['v4', 'v5'],
    ]);
    expect(result).toMatchObject({
      pages: 3,
      written: 6,
      nextCursor: 'p3',
      newestId: 'v0',
      newestCreatedAt: item(0).createdAt,
      oldestCreatedAt: item(5).createdAt,
      usage: { 'video/list': 3 },
    });
  });

  it('a page that fails: the attempt fails with what it finished in its heartbeat, and the retry resumes there', async () => {
    const { activities, asked, written } = world({ failAt: ['p2'] });
    const first = await attempt(activities, { maxPages: 10 });
    expect(first.error).toBeDefined();
    const checkpoint = first.beats.at(-1)!;
    expect(checkpoint).toMatchObject({ cursor: 'p2', pages: 2, written: 4, done: false });

    const retry = await attempt(activities, { maxPages: 10 }, checkpoint);
    // Pages 0 and 1 are neither read nor written again: the failure cost the failed call only.
    expect(asked).toEqual([undefined, 'p1', 'p2', 'p2', 'p3', 'p4']);
    expect(written.flat()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
    expect(retry.result).toMatchObject({
      pages: 5,
      written: 10,
      nextCursor: null,
      newestId: 'v0',
      oldestCreatedAt: item(9).createdAt,
      usage: { 'video/list': 5 },
    });
  });

  it('billable reads go on the usage once per batch; a failed batch records its pages and a retry does not again', async () => {
    const whole = world({ billed: true });
    const done = await attempt(whole.activities, { maxPages: 5 });
    expect(whole.usage).toEqual([10]); // one transaction for the 5 pages
    expect(done.result?.reads).toEqual({ posts: 10, users: 0 });

    const { activities, usage } = world({ billed: true, failAt: ['p3'] });
    const first = await attempt(activities, { maxPages: 5 });
    expect(first.error).toBeDefined();
    expect(usage).toEqual([6]); // the 3 pages written before the failure
    const last = first.beats.at(-1)!;
    expect(last.unrecorded).toBeUndefined();
    expect(last.reads).toEqual({ posts: 6, users: 0 });
    const retry = await attempt(activities, { maxPages: 5 }, last);
    expect(usage).toEqual([6, 4]); // every page's reads once
    expect(retry.result?.reads).toEqual({ posts: 10, users: 0 });
  });

  it('a retry of an attempt that had finished its pages reads nothing more', async () => {
    const { activities, asked } = world();
    const done = await attempt(activities, { maxPages: 2 });
    const last = done.beats.at(-1)!;
    expect(last.done).toBe(true);
    const again = await attempt(activities, { maxPages: 2 }, last);
    expect(asked).toEqual([undefined, 'p1']);
    expect(again.result).toMatchObject({ pages: 2, written: 4, nextCursor: 'p2' });
  });
});

describe('foldPage', () => {
  it('sums writes and usage and keeps the newest and oldest instants', () => {
    const start: PagesCheckpoint = {
      cursor: null,
      pages: 1,
      written: 2,
      newestId: 'b',
      newestCreatedAt: '2026-11-20T00:00:00.000Z',
      oldestCreatedAt: '2026-11-19T00:00:00.000Z',
      usage: { x: 1 },
      tokenRefreshed: false,
      done: false,
    };
    expect(
      foldPage(start, {
        written: 3,
        nextCursor: 'c',
        usage: { x: 2, y: 1 },
        newestId: 'a',
        newestCreatedAt: '2026-11-21T00:00:00.000Z',
        oldestCreatedAt: '2026-11-18T00:00:00.000Z',
      }),
    ).toEqual({
      ...start,
      cursor: 'c',
      pages: 2,
      written: 5,
      newestId: 'a',
      newestCreatedAt: '2026-11-21T00:00:00.000Z',
      oldestCreatedAt: '2026-11-18T00:00:00.000Z',
      usage: { x: 3, y: 1 },
    });
  });
});
