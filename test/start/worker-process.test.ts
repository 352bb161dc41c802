/**
 * `npm run worker` scales socialsync out: a worker process of its own (no HTTP service, no embedded servers),
 * started with the production memory flags, picks up a connection's syncs from Temporal and writes Firestore;
 * SIGTERM drains it and it exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { WORKER_NODE_FLAGS } from '../../src/workers';
import { expectStoredEqualsTruth, startEngine, type EngineHarness } from '../engine/harness';
import { repoPath, testServers } from '../helpers/servers';

let engine: EngineHarness<TikTokSandbox>;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    clock: 'real',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 77, accounts: 2, itemsPerAccount: 30, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
  });
  // Only the worker process under test may serve this harness's task queues.
  await engine.workers.shutdown();
}, 60_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
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
    LOG_LEVEL: 'info',
  };
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', 'tsx', repoPath('src', 'cli', 'worker.ts')],
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

  const accountId = engine.sandbox.accountIds()[0]!;
  const connected = await engine.connect(accountId, 'scaled-out');
  await engine.client.workflow.getHandle(connected.workflowId, connected.runId).result();
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
