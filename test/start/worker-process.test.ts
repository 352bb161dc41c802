/**
 * `npm run worker` (`start --role worker`) scales socialsync out: a worker process of its own (no HTTP service, no
 * embedded servers), started with the production memory flags, picks up a connection's syncs from Temporal and
 * writes Firestore; SIGTERM drains it and it exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { WORKER_NODE_FLAGS } from '../../src/workers';
import { eventually, expectStoredEqualsTruth, startEngine, type EngineHarness } from '../engine/harness';
import { repoPath, testServers } from '../helpers/servers';

let engine: EngineHarness<TikTokSandbox>;
let worker: ChildProcess | undefined;
const VIDEO_LIST = 'POST /v2/video/list/';

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    clock: 'real',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 77, accounts: 2, itemsPerAccount: 400, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
  });
  // Only the worker process under test may serve this harness's task queues.
  await engine.workers.shutdown();
}, 60_000);

afterEach(() => {
  worker?.kill('SIGKILL');
  worker = undefined;
});

afterAll(async () => {
  await engine?.close();
});

function startWorkerProcess(): { child: ChildProcess; polling: Promise<void>; output: () => string } {
  const { temporalAddress, temporalNamespace } = testServers();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...Object.fromEntries(
      Object.entries(engine.sandbox.env(engine.server.url)).map(([k, v]) => [k, String(v)]),
    ),
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: temporalNamespace,
    FIRESTORE_EMULATOR_HOST: engine.firestore.host,
    GCLOUD_PROJECT: engine.firestore.projectId,
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    SOCIALSYNC_TASK_QUEUE_PREFIX: engine.taskQueuePrefix,
    SOCIALSYNC_WORKER_PLATFORMS: 'tiktok',
    // Its health and metrics server on any free port.
    WORKER_HTTP_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', 'tsx', repoPath('src', 'cli', 'start.ts'), '--role', 'worker'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const polling = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => {
      if (out.includes('worker process polling')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code}):\n${out}`)));
  });
  return { child, polling, output: () => out };
}

test('a separate worker process runs the initial sync; SIGTERM drains it and it exits 0', async () => {
  const started = startWorkerProcess();
  worker = started.child;
  await started.polling;
  expect(started.output()).toContain(`${engine.taskQueuePrefix}-tiktok`);

  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId, 'scaled-out');
  await engine.syncResult(connected.workflowId, connected.runId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await expectStoredEqualsTruth(engine, key, accountId);
  expect((await engine.sink.readConnection(key))?.status).toBe('active');

  const exited = new Promise<number | null>((resolve) => worker!.once('exit', resolve));
  worker.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(started.output()).toContain('worker process stopped');
  // No token reached the worker's log.
  const tokens = await engine.tokenStore.load(key);
  expect(started.output()).not.toContain(tokens!.accessToken);
}, 120_000);

test('a worker process SIGKILLed in the middle of an initial sync: another one finishes it, nothing lost or doubled', async () => {
  // Slow pages, so the kill surely lands inside the sync (400 videos = 20+ pages).
  engine.sandbox.faults.add({ endpoint: VIDEO_LIST, latencyMs: 250 });
  const first = startWorkerProcess();
  worker = first.child;
  await first.polling;

  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId, 'killed-mid-sync');
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  // Into the second page batch (10 pages of 20 per activity): its retry starts at least at the cursor the first
  // batch returned, and from its own last heartbeat checkpoint when that reached the server before the kill.
  await eventually(
    'a first page batch written',
    async () => (await engine.storedItems(key, 'videos')).size >= 220,
  );
  const exited = new Promise((resolve) => worker!.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
  const writtenBeforeKill = (await engine.storedItems(key, 'videos')).size;
  const pages = () => engine.sandbox.log.all({ endpoint: VIDEO_LIST, user: accountId });
  const pageCallsBeforeKill = pages().length;

  engine.sandbox.faults.clear();
  const second = startWorkerProcess();
  worker = second.child;
  await second.polling;
  await engine.syncResult(connected.workflowId, connected.runId);

  // Every video exactly once (ids are document ids), every field equal to the platform's.
  await expectStoredEqualsTruth(engine, key, accountId);
  const truth = engine.sandbox.groundTruth(accountId).items.videos!;
  expect(writtenBeforeKill).toBeLessThan(truth.length);
  // The new worker went on from a checkpoint (its first request carries a cursor) instead of starting over.
  const firstAfterKill = pages()[pageCallsBeforeKill]!;
  expect(JSON.parse(firstAfterKill.body)).toHaveProperty('cursor');
  expect(JSON.parse(pages()[0]!.body)).not.toHaveProperty('cursor');
  expect(pageCallsBeforeKill).toBeGreaterThanOrEqual(2);
  expect((await engine.sink.readConnection(key))?.status).toBe('active');
}, 120_000);
