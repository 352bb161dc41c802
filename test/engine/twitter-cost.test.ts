/**
 * X cost awareness end to end (real Temporal, real Firestore emulator, the X sandbox over HTTP, the real connector):
 * an incremental sync reads new posts with `since_id` and refreshes stored ones by id in batches of at most 100,
 * counts billable reads, prices them on the sync summary, in /metrics and on the connection document, and treats
 * ids X no longer has as deleted; X's monthly usage cap pauses the connection's syncs until the cap resets.
 */
import type { WebhookEvent } from '../../src/platforms/types';
import { createTwitterConnector, twitterSettingsFromEnv } from '../../src/platforms/twitter';
import { nextCapReset } from '../../src/platforms/twitter/errors';
import { estimateCostUsd, roundUsd, usageMonth } from '../../src/platforms/billing';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';
import {
  connectionStatusQuery,
  connectionWorkflowId,
  requestSyncUpdate,
  syncRequestedSignal,
} from '../../src/workflows/definitions';
import type { ConnectionKey } from '../../src/domain';
import { eventually, startEngine, type EngineHarness } from './harness';

jest.setTimeout(90_000);

const TIMELINE = 'GET /2/users/:id/tweets';
const LOOKUP = 'GET /2/tweets';
const DAY = 86_400_000;
const PRICES = { postUsd: 0.005, userUsd: 0.01 };
/** A small rotation, so the test can tell it from the age rule. */
const ROTATION = 3;
let engine: EngineHarness<TwitterSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'twitter',
    createSandbox: (clock) =>
      createTwitterSandbox({ clock, seed: 4242, accounts: 4, itemsPerAccount: 80, autoApprove: true }),
    createConnector: (env, clock) =>
      createTwitterConnector(twitterSettingsFromEnv(env), { now: () => clock.now() }),
    env: { TWITTER_OLDER_POSTS_REFRESH_PER_SYNC: String(ROTATION) },
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

function connection(key: ConnectionKey) {
  return engine.client.workflow.getHandle(connectionWorkflowId(key));
}

/** What the schedule's tick and a webhook sync ask for: an incremental sync, through the connection workflow. */
async function incremental(key: ConnectionKey) {
  const handle = await connection(key).executeUpdate(requestSyncUpdate, { args: [{ mode: 'incremental' }] });
  return { handle, result: engine.syncResult(handle.workflowId, handle.runId) };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await engine.registry.getSingleMetric(name)!.get()).values;
  const found = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return found?.value ?? 0;
}

test('incremental X sync: since_id for new posts, ids in batches for stored ones, reads priced on summary, doc and /metrics, missing ids deleted', async () => {
  const { world } = engine.sandbox;
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  const initial = (await engine.syncResult(connected.workflowId, connected.runId)).summary;

  // The initial sync walked the whole timeline: every post it returned and the profile were billable reads.
  const storedAfterInitial = await engine.storedItems(key, 'tweets');
  expect(initial.reads?.users).toBe(1);
  expect(initial.reads?.posts).toBeGreaterThanOrEqual(storedAfterInitial.size);
  expect(initial.estimatedCostUsd).toBe(estimateCostUsd(initial.reads!, PRICES));

  const doc = await engine.sink.readConnection(key);
  const checkpoint = doc?.cursors?.tweets?.newestId;
  expect(checkpoint).toBeDefined();
  const cutoff = engine.clock.now() - 30 * DAY;
  const recent = [...storedAfterInitial.values()].filter((t) => Date.parse(t.createdAt) >= cutoff);
  const older = [...storedAfterInitial.values()].filter((t) => Date.parse(t.createdAt) < cutoff);
  expect(recent.length).toBeGreaterThan(2);
  expect(older.length).toBeGreaterThan(ROTATION);

  // Meanwhile on X: one stored post deleted (no webhook reaches us), one new post.
  const victim = recent[recent.length - 1]!;
  await world.deleteItem(accountId, victim.id);
  const fresh = await world.createItem(accountId, { text: 'cost-aware' });
  world.log.clear();

  const { result } = await incremental(key);
  const summary = (await result).summary;

  // New posts only: every timeline call carries since_id = the checkpoint.
  const timeline = world.log.all({ endpoint: TIMELINE });
  expect(timeline.length).toBeGreaterThan(0);
  for (const call of timeline) expect(call.query.since_id).toBe(checkpoint);

  // Stored posts by id: batches of at most 100 ids, the young ones plus ROTATION older ones, each id once.
  const lookups = world.log.all({ endpoint: LOOKUP });
  const asked = lookups.flatMap((call) => String(call.query.ids).split(','));
  for (const call of lookups) expect(String(call.query.ids).split(',').length).toBeLessThanOrEqual(100);
  expect(new Set(asked).size).toBe(asked.length);
  expect(new Set(asked)).toEqual(
    new Set([...recent.map((t) => t.id), ...asked.filter((id) => older.some((t) => t.id === id))]),
  );
  expect(asked.filter((id) => older.some((t) => t.id === id))).toHaveLength(ROTATION);
  expect(asked).not.toContain(fresh.id);

  // The id X answered with resource-not-found is deleted; the new post is stored.
  const stored = await engine.storedItems(key, 'tweets', { includeDeleted: true });
  expect(stored.get(victim.id)?.deleted).toBe(true);
  expect(stored.get(fresh.id)?.deleted).toBe(false);
  expect(summary.itemsDeleted).toBeGreaterThanOrEqual(1);

  // Billable reads: the new post, every looked-up post X still has, and the profile.
  expect(summary.reads).toEqual({ posts: 1 + asked.length - 1, users: 1 });
  expect(summary.estimatedCostUsd).toBe(estimateCostUsd(summary.reads!, PRICES));

  // On the connection document: this month's totals of both syncs.
  const usage = (await engine.sink.readConnection(key))?.usage;
  expect(usage).toEqual({
    month: usageMonth(engine.clock.now()),
    postReads: initial.reads!.posts + summary.reads!.posts,
    userReads: 2,
    estimatedCostUsd: roundUsd(initial.estimatedCostUsd! + summary.estimatedCostUsd!),
  });

  // In /metrics (this is the file's first connection: the counters hold exactly these two syncs).
  expect(await metric('socialsync_platform_reads_total', { platform: 'twitter', resource: 'posts' })).toBe(
    usage!.postReads,
  );
  expect(await metric('socialsync_platform_reads_total', { platform: 'twitter', resource: 'users' })).toBe(2);
  expect(
    roundUsd(await metric('socialsync_platform_estimated_cost_usd_total', { platform: 'twitter' })),
  ).toBe(usage!.estimatedCostUsd);
});

test('a window 429 or a 5xx on the lookup is retried (at the reset) and the sync completes: no pause', async () => {
  const { world } = engine.sandbox;
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  world.log.clear();
  engine.sandbox.faults.add({ endpoint: LOOKUP, rateLimit: true, retryAfterSeconds: 1, times: 1 });
  engine.sandbox.faults.add({ endpoint: LOOKUP, status: 503, times: 1 });
  const { result } = await incremental(key);
  const summary = (await result).summary;
  const statuses = world.log.all({ endpoint: LOOKUP }).map((r) => r.status);
  expect(statuses.slice(0, 2).sort()).toEqual([429, 503]);
  expect(statuses.slice(2).every((s) => s === 200)).toBe(true);
  expect(summary.reads?.posts).toBeGreaterThan(0);
  const state = await connection(key).query(connectionStatusQuery);
  expect(state).toMatchObject({ status: 'active', error: null, pausedUntil: null });
  expect((await engine.sink.readConnection(key))?.pausedUntil ?? null).toBeNull();
});

test('monthly usage cap: the 429 pauses the connection with a clear status; nothing is retried while paused', async () => {
  const { world } = engine.sandbox;
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  world.usageCap.set({ postCap: 1_000, used: 1_000 });
  try {
    world.log.clear();
    const { result } = await incremental(key);
    await expect(result).rejects.toThrow();

    const until = new Date(nextCapReset(engine.clock.now())).toISOString();
    const message = `X monthly post cap reached; syncs paused until ${until}`;
    await eventually('the connection to say it is paused', async () => {
      const state = await connection(key).query(connectionStatusQuery);
      return state.status === 'error' && state.pausedUntil === until && state.running === null;
    });
    // One capped answer, never retried (a window 429 would have been retried at its reset).
    const capped = world.log.all({ user: accountId }).filter((r) => r.status === 429);
    expect(capped).toHaveLength(1);

    const doc = await engine.sink.readConnection(key);
    expect(doc).toMatchObject({ status: 'error', error: message });
    expect(doc?.pausedUntil?.toISOString()).toBe(until);
    expect(await engine.service.status(key)).toMatchObject({
      status: 'error',
      error: message,
      pausedUntil: until,
    });

    // A manual sync is refused with the reason; a schedule tick and a webhook start nothing.
    await expect(engine.service.syncNow(key)).rejects.toThrow(message);
    const before = await connection(key).query(connectionStatusQuery);
    const requests = world.log.all({ user: accountId }).length;
    await connection(key).signal(syncRequestedSignal, { mode: 'scheduled' });
    const event: WebhookEvent = {
      platform: 'twitter',
      eventId: `cap-${accountId}`,
      accountId,
      type: 'item_created',
      name: 'post.create',
      itemKind: 'tweets',
      itemId: '1999999999999999999',
      occurredAt: new Date(engine.clock.now()).toISOString(),
    };
    await engine.service.deliverWebhookEvents(key, [event]);
    await eventually('the webhook event to be taken', async () => {
      const state = await connection(key).query(connectionStatusQuery);
      return state.seenEventCount === before.seenEventCount + 1;
    });
    const after = await connection(key).query(connectionStatusQuery);
    expect(after).toMatchObject({
      status: 'error',
      pausedUntil: until,
      running: null,
      syncCount: before.syncCount,
      // One incremental sync waits for the reset; the tick and the event coalesce into it.
      queued: ['incremental'],
      pendingWebhookEvents: 0,
    });
    expect(world.log.all({ user: accountId })).toHaveLength(requests);
  } finally {
    world.usageCap.set({ postCap: null, used: 0 });
  }
});

test('usage accumulates per calendar month and restarts in a new one; refresh candidates skip deleted posts', async () => {
  const key = { userId: `usage-${Date.now()}`, platform: 'twitter' as const };
  const add = (month: string, postReads: number, estimatedCostUsd: number) =>
    engine.sink.addUsage(key, { month, postReads, userReads: 1, estimatedCostUsd });
  await add('2026-11', 100, 0.51);
  expect(await add('2026-11', 20, 0.11)).toEqual({
    month: '2026-11',
    postReads: 120,
    userReads: 2,
    estimatedCostUsd: 0.62,
  });
  expect(await add('2026-12', 5, 0.035)).toEqual({
    month: '2026-12',
    postReads: 5,
    userReads: 1,
    estimatedCostUsd: 0.035,
  });

  const now = engine.clock.now();
  const post = (id: string, ageDays: number) => ({
    kind: 'tweets' as const,
    id,
    createdAt: new Date(now - ageDays * DAY).toISOString(),
    text: null,
    metrics: {},
  });
  // Written in this order, so the older ones were updated least recently in the order 901, 902, 903.
  for (const item of [post('901', 90), post('902', 80), post('903', 70), post('910', 2), post('911', 1)])
    await engine.sink.writeItems(key, 'tweets', [item], { syncId: 's1' });
  await engine.sink.markDeleted(key, 'tweets', ['901', '911']);
  const candidates = await engine.sink.refreshCandidates(key, 'tweets', {
    createdSince: new Date(now - 30 * DAY),
    olderLimit: 1,
  });
  expect(candidates).toEqual({ recent: ['910'], older: ['902'] });
  expect(
    await engine.sink.refreshCandidates(key, 'tweets', { createdSince: new Date(now), olderLimit: 0 }),
  ).toEqual({ recent: [], older: [] });
});
