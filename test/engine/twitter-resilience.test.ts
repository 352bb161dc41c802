/**
 * Rate limits, schedules and worker restarts, end to end against the X sandbox (its 429s carry
 * `x-rate-limit-reset`, like the real API). The schedule interval is a few seconds here.
 */
import type { MetricValueWithName } from 'prom-client';
import { createTwitterConnector, twitterSettingsFromEnv } from '../../src/platforms/twitter';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';
import { connectionStatusQuery, connectionWorkflowId } from '../../src/workflows/definitions';
import { eventually, normalizeTruth, startEngine, withoutDeletedFlag, type EngineHarness } from './harness';

jest.setTimeout(90_000);

const TIMELINE = 'GET /2/users/:id/tweets';
let engine: EngineHarness<TwitterSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'twitter',
    createSandbox: (clock) =>
      createTwitterSandbox({ clock, seed: 77, accounts: 6, itemsPerAccount: 60, autoApprove: true }),
    createConnector: (env, clock) =>
      createTwitterConnector(twitterSettingsFromEnv(env), { now: () => clock.now() }),
    env: { SYNC_INTERVAL: '3s' },
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

async function expectTweetsEqualTruth(key: { userId: string; platform: 'twitter' }, accountId: string) {
  const truth = engine.sandbox.groundTruth(accountId);
  expect(withoutDeletedFlag(await engine.storedItems(key, 'tweets'))).toEqual(
    normalizeTruth(truth.items.tweets ?? []),
  );
  expect((await engine.sink.readConnection(key))?.profile).toEqual(truth.profile);
}

test('429 storm: each retry waits for the advertised reset, no call is made in between, the sync completes', async () => {
  const accountId = await engine.freshAccount();
  engine.sandbox.faults.add({ endpoint: TIMELINE, rateLimit: true, retryAfterSeconds: 2, times: 2 });
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  // Sandbox time is frozen (exact metrics), so the gaps are measured on the wall clock of the arrivals.
  const timeline = engine.arrivals.filter((r) => r.path === `/2/users/${accountId}/tweets`);
  const throttled = timeline.filter((r) => r.status === 429);
  expect(throttled).toHaveLength(2);
  for (const limited of throttled) {
    const next = timeline.find((r) => r.at > limited.at);
    expect(next).toBeDefined();
    expect(next!.at - limited.at).toBeGreaterThanOrEqual(2_000);
  }
  // Only the injected 429s themselves arrived while limited: the engine never called during a wait.
  expect(engine.sandbox.log.all({ endpoint: TIMELINE }).filter((r) => r.whileRateLimited)).toHaveLength(
    throttled.length,
  );
  await expectTweetsEqualTruth(key, accountId);

  // What ops see at GET /metrics: the two rate limits, the calls by bucket, and one completed initial sync.
  const metric = async (name: string) => (await engine.registry.getSingleMetric(name)!.get()).values;
  const limited = await metric('socialsync_platform_rate_limited_total');
  expect(limited.find((v) => v.labels.platform === 'twitter')?.value).toBe(2);
  const calls = await metric('socialsync_platform_api_calls_total');
  const timelineCalls = calls.find(
    (v) => v.labels.platform === 'twitter' && v.labels.bucket === 'users/:id/tweets',
  );
  expect(timelineCalls?.value).toBeGreaterThan(0);
  const durations = await metric('socialsync_sync_duration_seconds');
  const completed = durations.find(
    (v) =>
      (v as MetricValueWithName<string>).metricName === 'socialsync_sync_duration_seconds_count' &&
      v.labels.outcome === 'completed',
  );
  expect(completed?.labels).toMatchObject({ platform: 'twitter', mode: 'initial' });
  expect(completed?.value).toBe(1);
});

test('scheduled syncs run on the schedule (interval of seconds) through the connection workflow, never overlapping', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  const added = await engine.sandbox.world.createItem(accountId, { text: 'scheduled pick-up' });

  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const state = await eventually(
    'a scheduled sync',
    async () => {
      const s = await handle.query(connectionStatusQuery);
      return s.recentSyncs.some((r) => r.mode === 'scheduled') ? s : undefined;
    },
    { timeoutMs: 30_000 },
  );
  expect(state.recentSyncs.find((r) => r.mode === 'scheduled')?.workflowId).toMatch(
    /^sync:.+:twitter:scheduled:\d+$/,
  );
  expect((await engine.storedItems(key, 'tweets')).get(added.id)?.text).toBe('scheduled pick-up');
  expect((await engine.service.status(key))?.nextSyncAt).not.toBeNull();
});

test('worker shut down mid-sync: new workers finish the same sync, Firestore equals the platform, nothing twice', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'twitter' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  await engine.sandbox.world.createItem(accountId, { text: 'during the restart' });

  // Every timeline page now takes a while, so the shutdown lands while an activity is in flight.
  engine.sandbox.faults.add({ endpoint: TIMELINE, latencyMs: 1_500, times: 2 });
  const { workflowId, runId } = await engine.service.syncNow(key);
  await new Promise((r) => setTimeout(r, 700));
  await engine.workers.shutdown();
  engine.workers = await engine.startWorkers();

  const result = await engine.syncResult(workflowId, runId);
  expect(result.summary.mode).toBe('manual');
  await expectTweetsEqualTruth(key, accountId);
  const stored = await engine.storedItems(key, 'tweets', { includeDeleted: true });
  expect(stored.size).toBe(engine.sandbox.groundTruth(accountId).items.tweets!.length);
});

test('a short budget: the newest items first, the rest pending, and no call while the platform limit is used up', async () => {
  const accountId = await engine.freshAccount();
  // The platform and the engine agree on 3 timeline calls per window; a sync needs more.
  engine.sandbox.world.setLimits({ perUser: 3 });
  try {
    const budgeted = await startEngine({
      platform: 'twitter',
      createSandbox: () => engine.sandbox,
      clock: engine.clock,
      createConnector: (env, clock) =>
        createTwitterConnector(twitterSettingsFromEnv(env), { now: () => clock.now() }),
      env: { TWITTER_CALLS_PER_15MIN: '3' },
      engine: { maxBudgetWaitMs: 1_000, pageSize: 10 },
    });
    try {
      const connected = await budgeted.connect(accountId);
      const key = { userId: connected.userId, platform: 'twitter' as const };
      const result = await engine.syncResult(connected.workflowId, connected.runId);
      expect(result.summary.pending).toBeGreaterThan(0);
      expect(Object.keys(result.resume)).toEqual(['tweets']);
      expect(budgeted.sandbox.log.all({ user: accountId }).filter((r) => r.whileRateLimited)).toHaveLength(0);

      // What was stored is the newest part of the timeline.
      const truth = [...budgeted.sandbox.groundTruth(accountId).items.tweets!].sort((a, b) =>
        b.createdAt.localeCompare(a.createdAt),
      );
      const stored = await budgeted.storedItems(key, 'tweets');
      expect(stored.size).toBeGreaterThan(0);
      expect(stored.size).toBeLessThan(truth.length);
      expect([...stored.keys()].sort()).toEqual(
        truth
          .slice(0, stored.size)
          .map((t) => t.id)
          .sort(),
      );
      // Finished later: a continuation waits in the connection's queue until the window has room.
      const connection = budgeted.client.workflow.getHandle(connectionWorkflowId(key));
      await eventually('a queued backfill', async () =>
        (await connection.query(connectionStatusQuery)).queued.includes('backfill'),
      );
    } finally {
      await budgeted.close();
    }
  } finally {
    engine.sandbox.world.setLimits({ perUser: 900 });
  }
});
