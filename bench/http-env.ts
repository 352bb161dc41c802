/**
 * The whole service as production wires it (src/cli/service.ts), for end-to-end benchmarks on the servers of
 * bench/engine-env.ts (`startBenchServers`): the real app (`createApp`) served by `serve` on a real port, and the
 * engine from `composeEngine` — the real Firestore store on the emulator (token store, account index, OAuth states,
 * webhook dedupe, sink), the real TemporalSyncService and workers — with a TikTok sandbox over real HTTP behind the
 * real connector (consent auto-approved, its webhooks subscribed to the service's `/webhooks/tiktok`).
 *
 * What differs from `startService`: the engine options (e.g. `webhookDebounceMs`) can be set, the project and
 * task queues are unique per stack, the worker runtime is quiet, and callers authenticate as a service
 * (`ADMIN_API_KEY`); no Firebase Auth emulator is needed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig, type Env } from '../src/config';
import { freePort } from '../src/infra/ports';
import type { PlatformConnector } from '../src/platforms/types';
import { SandboxClock } from '../src/sandbox/core/clock';
import { listen, type RunningServer } from '../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox } from '../src/sandbox/tiktok';
import { Registry } from 'prom-client';
import { createConnectors } from '../src/platforms/registry';
import { createLogger, silentLogger } from '../src/shared/logger';
import type { Firestore, Store } from '../src/store';
import type { TemporalSyncService } from '../src/sync/temporal-sync-service';
import { createApp, firestoreReadiness, serve, temporalReadiness, type HttpService } from '../src/webhooks';
import type { WorkersHandle } from '../src/workers';
import { WORKER_NODE_FLAGS } from '../src/workers';
import { composeEngine, composeSyncClient } from '../src/workers/compose';
import type { ConnectionOptions } from '../src/workflows/connection';
import type { BenchServers } from './engine-env';
import type { ConnectionKey } from '../src/domain';

export interface BenchHttpStackOptions {
  /** Sandbox accounts (each can be connected through OAuth). */
  accounts: number;
  itemsPerAccount: number;
  /** Connection-workflow options passed to `createTemporalSyncService({ engine })`. */
  engine?: Partial<ConnectionOptions>;
  seed?: number;
}

export interface BenchHttpStack {
  /** Base URL of the HTTP service (also its PUBLIC_BASE_URL). */
  url: string;
  adminKey: string;
  config: Env;
  sandbox: TikTokSandbox;
  connector: PlatformConnector;
  db: Firestore;
  store: Store;
  client: Client;
  syncService: TemporalSyncService;
  workers: WorkersHandle;
  /** Prefix of this stack's user ids (unique per stack, so stacks on one Temporal never share workflows). */
  userPrefix: string;
  /**
   * Connects sandbox account `accountId` for user `{userPrefix}-{accountId}` through the real OAuth flow over HTTP:
   * `POST /api/users/{userId}/connections/tiktok` (as a service), the sandbox's consent (auto-approved), then the
   * service's callback, which stores the tokens, indexes the account and starts the initial sync.
   */
  connect(accountId: string): Promise<ConnectionKey>;
  close(): Promise<void>;
}

export async function startBenchHttpStack(
  servers: BenchServers,
  opts: BenchHttpStackOptions,
): Promise<BenchHttpStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const clock = new SandboxClock();
    const sandbox = createTikTokSandbox({
      clock,
      seed: opts.seed ?? 2026,
      accounts: opts.accounts,
      itemsPerAccount: opts.itemsPerAccount,
      autoApprove: true,
    });
    const sandboxServer: RunningServer = await listen(sandbox.handler);
    cleanups.push(() => sandboxServer.close());

    const id = randomUUID().slice(0, 8);
    const port = await freePort();
    const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
    const config = loadConfig({
      ...sandbox.env(sandboxServer.url),
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_NAMESPACE: servers.namespace,
      GCLOUD_PROJECT: `bench-http-${id}`,
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ADMIN_API_KEY: adminKey,
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'error',
    });
    const logger = silentLogger;
    const taskQueuePrefix = `bench-http-${id}`;
    const engine = await composeEngine({
      config,
      logger,
      platforms: ['tiktok'],
      clock,
      workflowBundle: { code: servers.workflowCode },
      taskQueuePrefix,
      shutdownGraceMs: 2_000,
      engine: opts.engine,
    });
    cleanups.push(() => engine.close());
    const { db, store, client, syncService, workers } = engine;
    const connector = engine.connectors.tiktok!;

    const drain = { draining: false };
    const app = createApp({
      config,
      connectors: engine.connectors,
      tokenStore: store.tokens,
      accountIndex: store.accounts,
      oauthStates: store.oauthStates,
      dedupe: store.webhookDedupe,
      syncService,
      connections: store.sink,
      // Callers authenticate with ADMIN_API_KEY; no end-user tokens in the benchmarks.
      idTokens: { verifyIdToken: () => Promise.reject(new Error('no end-user tokens in benchmarks')) },
      readiness: [temporalReadiness(client.connection), firestoreReadiness(db)],
      registry: engine.registry,
      logger,
      drain,
    });
    const http: HttpService = await serve({ app, port, host: '127.0.0.1', drain, logger });
    cleanups.push(() => http.close({ graceMs: 2_000 }));
    const url = config.PUBLIC_BASE_URL!;
    // TikTok has no subscription handshake: the sandbox simply posts its signed events to this URL.
    sandbox.control.subscribeWebhooks(`${url}/webhooks/tiktok`);

    const userPrefix = taskQueuePrefix;
    return {
      url,
      adminKey,
      config,
      sandbox,
      connector,
      db,
      store,
      client,
      syncService,
      workers,
      userPrefix,
      connect: (accountId) => connectThroughService({ url, adminKey, sandbox, userPrefix, accountId }),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Connects sandbox account `accountId` for user `{userPrefix}-{accountId}` through the real OAuth flow over HTTP:
 * `POST /api/users/{userId}/connections/tiktok` (as a service), the sandbox's consent (auto-approved), then the
 * service's callback, which stores the tokens, indexes the account and starts the initial sync.
 */
async function connectThroughService(opts: {
  url: string;
  adminKey: string;
  sandbox: TikTokSandbox;
  userPrefix: string;
  accountId: string;
}): Promise<ConnectionKey> {
  const { url, adminKey, sandbox, accountId } = opts;
  const userId = `${opts.userPrefix}-${accountId}`;
  const start = await fetch(`${url}/api/users/${encodeURIComponent(userId)}/connections/tiktok`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}` },
  });
  if (start.status !== 200) throw new Error(`connect start: ${start.status} ${await start.text()}`);
  const { authorizeUrl, callbackCookie } = (await start.json()) as {
    authorizeUrl: string;
    callbackCookie?: string;
  };
  // The consent screen approves whoever is logged in at the sandbox; the bench connects one at a time.
  sandbox.control.login(accountId);
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (!location) throw new Error(`sandbox consent did not redirect (${consent.status})`);
  const callback = await fetch(location, {
    headers: { accept: 'application/json', ...(callbackCookie ? { cookie: callbackCookie } : {}) },
  });
  const body = (await callback.json()) as Record<string, unknown>;
  if (callback.status !== 200 || body.status !== 'connected')
    throw new Error(`OAuth callback: ${callback.status} ${JSON.stringify(body)}`);
  return { userId, platform: 'tiktok' };
}

/**
 * Scale-out: the same service split into processes as production would run it — N HTTP instances (this file run as
 * a child: `composeSyncClient` + `createApp`, no workers), one worker process (bench/worker-process.ts:
 * `composeEngine`, no HTTP), all on one Temporal and one Firestore — so that the CPU each one spends can be read
 * from /proc apart from the others and from the benchmark client.
 */
export interface ChildHandle {
  pid: number;
  stop(): Promise<void>;
}

export interface HttpInstanceHandle extends ChildHandle {
  url: string;
}

/** Settings of an HTTP instance child (JSON in BENCH_HTTP_INSTANCE). */
export interface HttpInstanceSettings {
  taskQueuePrefix: string;
  adminKey: string;
  /** The instance's port; PUBLIC_BASE_URL is the first instance's URL (OAuth redirects go there). */
  port: number;
  publicBaseUrl: string;
  /** pino level of the service (production: info, one access-log line per request to stdout). */
  logLevel: string;
}

type ChildMessage = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'stopped' };

/** Forks `file` with this Node and tsx, `env` as its whole environment, and waits for its `ready` message. */
export async function forkBenchChild(opts: {
  file: string;
  env: Record<string, string>;
  execArgv?: readonly string[];
  /** stdout of the child: its logs (ignored: written to /dev/null, as cheap as a log shipper's pipe gets). */
  stdout?: 'ignore' | 'inherit';
  what: string;
}): Promise<ChildHandle> {
  const proc: ChildProcess = fork(opts.file, [], {
    execPath: process.execPath,
    execArgv: [...(opts.execArgv ?? []), '--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.what} not ready after 120 s`)), 120_000);
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${opts.what} failed: ${m.error}`));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.what} exited (${code}) before it was ready`));
    });
  }).catch(async (err: unknown) => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await exited;
    throw err;
  });
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'shutdown' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child side: one HTTP instance as production wires it, minus the workers (they run in their own process). */
async function runHttpInstance(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_HTTP_INSTANCE ?? '') as HttpInstanceSettings;
  const send = (m: ChildMessage) => process.send?.(m);
  const config = loadConfig({
    ...process.env,
    PORT: String(settings.port),
    PUBLIC_BASE_URL: settings.publicBaseUrl,
    ADMIN_API_KEY: settings.adminKey,
  });
  const logger = createLogger({ level: settings.logLevel });
  const engine = await composeSyncClient({ config, logger, taskQueuePrefix: settings.taskQueuePrefix });
  const connectors = createConnectors(config, { logger }, ['tiktok']);
  const drain = { draining: false };
  const app = createApp({
    config,
    connectors,
    tokenStore: engine.store.tokens,
    accountIndex: engine.store.accounts,
    oauthStates: engine.store.oauthStates,
    dedupe: engine.store.webhookDedupe,
    syncService: engine.syncService,
    connections: engine.store.sink,
    idTokens: { verifyIdToken: () => Promise.reject(new Error('no end-user tokens in benchmarks')) },
    readiness: [temporalReadiness(engine.client.connection), firestoreReadiness(engine.db)],
    registry: new Registry(),
    logger,
    drain,
  });
  const http = await serve({ app, port: settings.port, host: '127.0.0.1', drain, logger });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await http.close({ graceMs: 2_000 }).catch(() => undefined);
      await engine.close().catch(() => undefined);
      send({ type: 'stopped' });
      // A normal exit, so that --cpu-prof writes its profile.
      process.exit(0);
    })());
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'shutdown') void stop();
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready' });
}

export interface BenchScaleOutStackOptions {
  /** Sandbox accounts (each connected at most once). */
  accounts: number;
  itemsPerAccount: number;
  /** HTTP instance processes. */
  instances: number;
  /** pino level of the HTTP instances; default info (production's default). */
  logLevel?: string;
  /** Extra Node flags of the HTTP instances (e.g. --cpu-prof); default BENCH_HTTP_NODE_OPTIONS split on spaces. */
  httpExecArgv?: string[];
  seed?: number;
}

export interface BenchScaleOutStack {
  /** Base URLs of the HTTP instances. */
  urls: string[];
  instancePids: number[];
  workerPid: number;
  sandbox: TikTokSandbox;
  db: Firestore;
  client: Client;
  sink: Store['sink'];
  userPrefix: string;
  /** Connects sandbox account `accountId` through the first instance (real OAuth flow), as BenchHttpStack does. */
  connect(accountId: string): Promise<ConnectionKey>;
  close(): Promise<void>;
}

export async function startBenchScaleOutStack(
  servers: BenchServers,
  opts: BenchScaleOutStackOptions,
): Promise<BenchScaleOutStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const sandbox = createTikTokSandbox({
      clock: new SandboxClock(),
      seed: opts.seed ?? 2026,
      accounts: opts.accounts,
      itemsPerAccount: opts.itemsPerAccount,
      autoApprove: true,
    });
    const sandboxServer: RunningServer = await listen(sandbox.handler);
    cleanups.push(() => sandboxServer.close());

    const id = randomUUID().slice(0, 8);
    const taskQueuePrefix = `bench-scale-${id}`;
    const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
    const env: Record<string, string> = {
      ...sandbox.env(sandboxServer.url),
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_NAMESPACE: servers.namespace,
      FIRESTORE_EMULATOR_HOST: servers.firestoreHost,
      GCLOUD_PROJECT: `bench-scale-${id}`,
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'error',
      NODE_ENV: 'development',
    };
    const config = loadConfig(env);
    // This process reads workflows and Firestore for the checks; the service and the workers are children.
    const own = await composeSyncClient({ config, taskQueuePrefix });
    cleanups.push(() => own.close());

    const worker = await forkBenchChild({
      file: path.join(__dirname, 'worker-process.ts'),
      env: {
        ...env,
        BENCH_WORKER: JSON.stringify({
          taskQueuePrefix,
          workflowCodePath: servers.workflowCodePath,
          shutdownGraceMs: 2_000,
        }),
      },
      execArgv: WORKER_NODE_FLAGS,
      stdout: 'inherit',
      what: 'worker process',
    });
    cleanups.push(() => worker.stop());

    const ports: number[] = [];
    for (let i = 0; i < opts.instances; i++) ports.push(await freePort());
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const httpExecArgv =
      opts.httpExecArgv ?? (process.env.BENCH_HTTP_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
    const instances = await Promise.all(
      ports.map((port, i) =>
        forkBenchChild({
          file: __filename,
          env: {
            ...env,
            BENCH_HTTP_INSTANCE: JSON.stringify({
              taskQueuePrefix,
              adminKey,
              port,
              publicBaseUrl: urls[0]!,
              logLevel: opts.logLevel ?? 'info',
            } satisfies HttpInstanceSettings),
          },
          execArgv: httpExecArgv,
          what: `HTTP instance ${i + 1}`,
        }),
      ),
    );
    for (const instance of instances) cleanups.push(() => instance.stop());
    sandbox.control.subscribeWebhooks(`${urls[0]}/webhooks/tiktok`);

    const userPrefix = taskQueuePrefix;
    return {
      urls,
      instancePids: instances.map((i) => i.pid),
      workerPid: worker.pid,
      sandbox,
      db: own.db,
      client: own.client,
      sink: own.store.sink,
      userPrefix,
      connect: (accountId) =>
        connectThroughService({ url: urls[0]!, adminKey, sandbox, userPrefix, accountId }),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

if (require.main === module && process.env.BENCH_HTTP_INSTANCE) {
  runHttpInstance().catch((err: unknown) => {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`[http-instance] failed: ${error}\n`);
    process.send?.({ type: 'failed', error });
    process.exit(1);
  });
}
