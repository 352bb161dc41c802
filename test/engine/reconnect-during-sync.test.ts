/**
 * A reconnect while the connection's sync is retrying (the race behind a killed `npm start`: the connection
 * workflow comes back with a sync that began with tokens the user has since replaced, or that Firestore lost).
 * The sync a reconnect requests used to wait until that sync ended — for a platform outage, its retries run for
 * about ten minutes — and the OAuth callback waited with it. Now the reconnect supersedes it: `connect()` answers
 * with the handle of a new sync, the old one is cancelled, and the new one syncs with the fresh tokens.
 * Real Temporal, Firestore emulator and the TikTok sandbox over HTTP; the outage is a sandbox fault on the
 * account endpoint that stays in place until `connect()` has answered, so the old sync cannot end on its own first.
 */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { paths } from '../../src/store/paths';
import { connectionStatusQuery, connectionWorkflowId } from '../../src/workflows/definitions';
import { RECONNECT_SUPERSEDES_SYNC_PATCH } from '../../src/workflows/patches';
import { testServers } from '../helpers/servers';
import type { ConnectionKey } from '../../src/domain';
import { eventually, expectStoredEqualsTruth, startEngine, type EngineHarness } from './harness';

jest.setTimeout(180_000);

const USER_INFO = 'GET /v2/user/info/';
let engine: EngineHarness<TikTokSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 7373, accounts: 3, itemsPerAccount: 12, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

afterEach(() => {
  engine.sandbox.faults.clear();
});

const outageAnswers = () =>
  engine.arrivals.filter((a) => a.method === 'GET' && a.path === '/v2/user/info/' && a.status === 503).length;

/**
 * A connected account whose manual sync is retrying a platform outage (the account endpoint answers 503 until the
 * test clears the fault): the sync has failed at least twice and waits for its next attempt.
 */
async function syncStuckInRetries(): Promise<{
  key: ConnectionKey;
  accountId: string;
  stale: { workflowId: string; runId: string };
}> {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  await engine.syncResult(connected.workflowId, connected.runId);
  const key: ConnectionKey = { userId: connected.userId, platform: 'tiktok' };
  engine.sandbox.faults.add({ endpoint: USER_INFO, status: 503 });
  const before = outageAnswers();
  const stale = await engine.service.syncNow(key);
  await eventually('the manual sync to be retrying the outage', async () => outageAnswers() >= before + 2);
  return { key, accountId, stale };
}

/** The superseded sync ended cancelled (it did not get to finish: the outage was still on). */
async function expectCancelled(run: { workflowId: string; runId: string }): Promise<void> {
  const failure = await engine.client.workflow
    .getHandle(run.workflowId, run.runId)
    .result()
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
}

/** After the outage: the new sync succeeds with the fresh tokens and Firestore equals the sandbox. */
async function expectSyncedWithFreshTokens(
  key: ConnectionKey,
  accountId: string,
  run: { workflowId: string; runId: string },
): Promise<void> {
  engine.sandbox.faults.clear();
  const result = await engine.syncResult(run.workflowId, run.runId);
  expect(result.summary.itemsWritten).toBeGreaterThan(0);
  expect(await engine.service.status(key)).toMatchObject({ status: 'active' });
  await expectStoredEqualsTruth(engine, key, accountId);
  const state = await engine.client.workflow
    .getHandle(connectionWorkflowId(key))
    .query(connectionStatusQuery);
  expect(state).toMatchObject({ status: 'active', error: null, running: null, queued: [] });
}

test('reconnect during a sync retrying an outage: connect() answers with a new sync, the old one is cancelled', async () => {
  const { key, accountId, stale } = await syncStuckInRetries();

  // The user connects again (fresh tokens) while the outage goes on.
  const again = await engine.connect(accountId, key.userId);

  expect(again.workflowId).not.toBe(stale.workflowId);
  expect(engine.sandbox.faults.list()).toHaveLength(1); // the old sync could not have ended on its own
  await expectCancelled(stale);
  await expectSyncedWithFreshTokens(key, accountId, again);

  // The run took the patched path (its marker is in history), and that history replays with the current code.
  const history = await engine.client.workflow.getHandle(connectionWorkflowId(key)).fetchHistory();
  // Patch markers carry `{"id": …}` as a JSON payload (under `patch-data` or `patch_data`, by SDK version).
  const patches = (history.events ?? []).flatMap((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) =>
      (d.payloads ?? []).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')),
    ),
  );
  expect(patches.some((p) => p.includes(RECONNECT_SUPERSEDES_SYNC_PATCH))).toBe(true);
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: testServers().workflowBundlePath } },
    history,
    connectionWorkflowId(key),
  );
});

test('Firestore lost the connection and its token while the sync retried (a killed start): the reconnect still answers and syncs', async () => {
  const { key, accountId, stale } = await syncStuckInRetries();
  // What an emulator restored from an older export looks like to the running workflow.
  await engine.tokenStore.delete(key);
  await engine.firestore.db.doc(paths.platformDoc(key)).delete();

  const again = await engine.connect(accountId, key.userId);

  expect(again.workflowId).not.toBe(stale.workflowId);
  // Either its next attempt found no token (a reauth failure) before the reconnect, or the reconnect cancelled it:
  // both end it without the outage lifting, and neither leaves the connection needing reauthorization.
  const ended = await engine.client.workflow
    .getHandle(stale.workflowId, stale.runId)
    .result()
    .then(
      () => 'succeeded',
      () => 'ended without succeeding',
    );
  expect(ended).toBe('ended without succeeding');
  await expectSyncedWithFreshTokens(key, accountId, again);
});
