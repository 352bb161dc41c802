/**
 * The connection workflow over time, against the TikTok sandbox (real Temporal, Firestore emulator, HTTP):
 * a proactive token refresh while no sync runs, continue-as-new that keeps its state, and the pending count a
 * budget-cut sync leaves on the platform document until the backfill finishes, and the status the connection
 * workflow alone writes (syncing, active, disconnected). The per-user budget is 4 calls
 * per minute per endpoint here, so a 45-video account needs two syncs (pages of 10).
 */
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import type { WebhookEvent } from '../../src/platforms/types';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { connectionStatusQuery, connectionWorkflowId } from '../../src/workflows/definitions';
import { eventually, expectStoredEqualsTruth, startEngine, type EngineHarness } from './harness';

jest.setTimeout(150_000);

const VIDEOS = 45;
let engine: EngineHarness<TikTokSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 5151, accounts: 4, itemsPerAccount: VIDEOS, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
    env: { TIKTOK_CALLS_PER_MINUTE: '4' },
    engine: { pageSize: 10, maxBudgetWaitMs: 2_000 },
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

const refreshCalls = () =>
  engine.sandbox.log
    .all({ endpoint: 'POST /v2/oauth/token/' })
    .filter((r) => r.body.includes('grant_type=refresh_token'));

test('proactive refresh: with no sync running, the connection workflow refreshes ahead of expiry and stores the new expiry', async () => {
  const accountId = await engine.freshAccount();
  const { key, tokens } = await engine.authorize(accountId);
  engine.clock.advance(60_000); // so the refreshed token's expiry differs from the first one's
  // Due a few seconds from now instead of an hour before the 24-hour expiry.
  const service = engine.serviceWith({ refreshMarginMs: tokens.expiresAt! - (Date.now() + 5_000) });
  const started = await service.connect({ ...key, accountId });
  await engine.syncResult(started.workflowId, started.runId);
  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const before = refreshCalls().length;

  const refreshed = await eventually('the proactive refresh', async () => {
    const stored = await engine.tokenStore.load(key);
    return stored && stored.expiresAt! > tokens.expiresAt! ? stored : undefined;
  });
  expect(refreshed.accessToken).not.toBe(tokens.accessToken);
  expect(refreshed.refreshToken).not.toBe(tokens.refreshToken); // TikTok rotates it
  expect(refreshCalls().length - before).toBe(1);
  const state = await eventually('the new expiry in the workflow', async () => {
    const s = await handle.query(connectionStatusQuery);
    return s.tokenExpiresAt === refreshed.expiresAt ? s : undefined;
  });
  // The refresh was the workflow's own timer, not a sync's: still only the initial sync ran.
  expect(state.syncCount).toBe(1);
  expect(state.running).toBeNull();
  await service.disconnect(key);
});

test('budget cut: pending on the platform document and in status; continue-as-new keeps budget, dedupe ids and the queued backfill; the backfill clears pending', async () => {
  const accountId = await engine.freshAccount();
  // Continue-as-new as soon as history passes a handful of events (i.e. after the first sync).
  const service = engine.serviceWith({ maxHistoryLength: 10 });
  const connected = await engine.connect(accountId, undefined, { service });
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const firstRunId = (await handle.describe()).runId;

  // Webhook events the workflow must remember across continue-as-new (type `other`: deduped, no sync).
  const events: WebhookEvent[] = ['a', 'b', 'c'].map((n) => ({
    platform: 'tiktok',
    eventId: `lifecycle-${n}`,
    accountId,
    type: 'other',
    name: 'portability.download.ready',
    occurredAt: new Date(engine.clock.now()).toISOString(),
  }));
  await service.deliverWebhookEvents(key, events);

  const initial = await engine.syncResult(connected.workflowId, connected.runId);
  const visible = engine.sandbox.groundTruth(accountId).items.videos!.length;
  // 4 pages (of up to 10; TikTok pages may come back short) fit the budget: the rest is pending.
  const storedFirst = (await engine.storedItems(key, 'videos')).size;
  expect(storedFirst).toBeGreaterThan(0);
  expect(storedFirst).toBeLessThan(visible);
  expect(initial.summary.pending).toBeGreaterThan(0);
  expect(Object.keys(initial.resume)).toEqual(['videos']);
  const doc = await engine.sink.readConnection(key);
  expect(doc?.pending).toEqual({ videos: initial.summary.pending });
  expect(await engine.service.status(key)).toMatchObject({
    status: 'active',
    pending: { videos: initial.summary.pending },
  });

  // Continued as new while the backfill waits for the budget window: the new run has the same state.
  const continued = await eventually('continue-as-new', async () => {
    const d = await handle.describe();
    return d.runId !== firstRunId ? d : undefined;
  });
  expect(continued.status.name).toBe('RUNNING');
  const state = await handle.query(connectionStatusQuery);
  expect(state.queued).toEqual(['backfill']);
  expect(state.pendingBackfill).toEqual(['videos']);
  expect(state.seenEventCount).toBe(events.length);
  expect(state.budgetRemaining['video/list']).toBe(0); // the window's calls were carried over
  expect(state.syncCount).toBe(1);

  // A redelivery after continue-as-new is recognised as seen.
  await service.deliverWebhookEvents(key, [events[0]!]);
  expect((await handle.query(connectionStatusQuery)).seenEventCount).toBe(events.length);

  // Once the window has room, the backfill continues from the saved cursor and clears pending.
  const after = await eventually(
    'the backfill',
    async () => {
      const s = await handle.query(connectionStatusQuery);
      return s.recentSyncs.some((r) => r.mode === 'backfill') && s.running === null ? s : undefined;
    },
    { timeoutMs: 100_000, intervalMs: 1_000 },
  );
  const backfill = after.recentSyncs.find((r) => r.mode === 'backfill')!;
  expect(backfill).toMatchObject({ pending: 0 });
  expect(backfill.itemsWritten).toBeGreaterThanOrEqual(visible - storedFirst);
  expect(after.pendingBackfill).toEqual([]);
  expect(after.syncCount).toBe(2);
  expect((await engine.sink.readConnection(key))?.pending).toEqual({ videos: 0 });
  const status = await engine.service.status(key);
  expect(status?.pending).toBeUndefined();
  expect(status).toMatchObject({ status: 'active', lastSyncMode: 'backfill', counts: { videos: visible } });
  await expectStoredEqualsTruth(engine, key, accountId);
  // No call ever reached the platform while it was limiting this user.
  expect(engine.sandbox.log.all({ user: accountId }).filter((r) => r.whileRateLimited)).toHaveLength(0);
});

test('one writer of status: the connection workflow says syncing before a sync starts and active once it is done; a disconnect mid-sync stays disconnected', async () => {
  const USER_INFO = 'GET /v2/user/info/';
  const accountId = await engine.freshAccount();
  const { key, tokens } = await engine.authorize(accountId);
  // The sync's first platform call takes a while, so it is surely still running when the start is answered.
  engine.sandbox.faults.add({ endpoint: USER_INFO, latencyMs: 1_500, times: 1 });
  const started = await engine.service.connect({ ...key, accountId: tokens.accountId });
  // `connect` answers once the sync has started, and the connection wrote `syncing` before starting it.
  expect((await engine.sink.readConnection(key))?.status).toBe('syncing');
  await engine.syncResult(started.workflowId, started.runId);
  const done = await engine.sink.readConnection(key);
  expect(done?.status).toBe('active');
  expect(done?.lastSync).toBeDefined();
  expect(done?.error ?? null).toBeNull();

  const second = await engine.freshAccount();
  const other = await engine.authorize(second);
  engine.sandbox.faults.add({ endpoint: USER_INFO, latencyMs: 5_000, times: 1 });
  const running = await engine.service.connect({ ...other.key, accountId: other.tokens.accountId });
  expect((await engine.sink.readConnection(other.key))?.status).toBe('syncing');
  await engine.service.disconnect(other.key);
  // The connection workflow cancels the sync and ends; nothing writes over `disconnected` afterwards.
  await engine.client.workflow.getHandle(connectionWorkflowId(other.key)).result();
  const sync = engine.client.workflow.getHandle(running.workflowId, running.runId);
  await expect(sync.result()).rejects.toThrow();
  expect((await sync.describe()).status.name).toBe('CANCELLED');
  expect((await engine.sink.readConnection(other.key))?.status).toBe('disconnected');
});
