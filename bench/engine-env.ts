/**
 * What the sync-engine benchmarks run on: one Temporal dev server and one Firestore emulator (src/infra), the
 * workflow code bundled once, and per benchmark a TikTok sandbox over real HTTP with the real connector, the real
 * Firestore sink and token store, and workers — wired by `composeEngine` as in production, nothing mocked.
 *
 * The workers run in this process, or with `workerProcess: true` in a child process of their own
 * (bench/worker-process.ts), so that their memory can be measured apart from the sandbox, client and generator.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { warmFirestoreEmulator } from './warm-emulator';
import { startFirestoreEmulator } from '../src/infra/firestore-emulator';
import { startTemporalDevServer } from '../src/infra/temporal-server';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../src/platforms/tiktok';
import { codeChallenge, createCodeVerifier } from '../src/platforms/oauth/pkce';
import type { PlatformConnector, TokenSet } from '../src/platforms/types';
import { SandboxClock } from '../src/sandbox/core/clock';
import { listen } from '../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox } from '../src/sandbox/tiktok';
import type { SyncSink, TokenStore } from '../src/store/types';
import type { TemporalSyncService } from '../src/sync/temporal-sync-service';
import { WORKER_NODE_FLAGS, type WorkerTuning, type WorkersHandle } from '../src/workers';
import { composeEngine, composeSyncClient, type SyncClient } from '../src/workers/compose';
import type { ConnectionOptions } from '../src/workflows/connection';
import type { WorkerProcessMessage, WorkerProcessSettings } from './worker-process';
import type { ConnectionKey } from '../src/domain';

export interface BenchServers {
  temporalAddress: string;
  namespace: string;
  firestoreHost: string;
  workflowCode: string;
  /** The same bundle in a file, for worker processes. */
  workflowCodePath: string;
  stop(): Promise<void>;
}

export async function startBenchServers(progress: (m: string) => void): Promise<BenchServers> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-bench-'));
  try {
    Runtime.install({
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn() {},
        error: (m) => progress(`temporal worker: ${m}`),
      },
    });
  } catch {
    // Installed already.
  }
  const [temporal, firestore, bundle] = await Promise.all([
    startTemporalDevServer({ dataDir, onProgress: progress }),
    startFirestoreEmulator({ dataDir }),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: { info() {}, warn() {}, error: progress, debug() {}, trace() {}, log() {} },
    }),
  ]);
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  // Steady state, not the JVM's warm-up: otherwise the first benchmark of a run pays it alone (warm-emulator.ts).
  progress(`firestore emulator warmed up in ${(await warmFirestoreEmulator()).toFixed(0)} ms`);
  const workflowCodePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowCodePath, bundle.code);
  return {
    workflowCodePath,
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    firestoreHost: firestore.host,
    workflowCode: bundle.code,
    async stop() {
      await Promise.allSettled([temporal.stop(), firestore.stop()]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BenchEngineOptions {
  accounts: number;
  itemsPerAccount: number;
  /** Per-user budget per endpoint per window (TIKTOK_CALLS_PER_MINUTE); the sandbox enforces the same. */
  callsPerWindow: number;
  /** Budget window; TikTok's is one minute, benchmarks may shorten it to see several windows quickly. */
  rateWindowMs?: number;
  /** Per-app activity rate of the platform queue (maxTaskQueueActivitiesPerSecond). */
  appActivitiesPerSecond: number;
  engine?: Partial<ConnectionOptions>;
  seed?: number;
  /**
   * Run the workers in a child process (bench/worker-process.ts) instead of this one. The child keeps real time,
   * so `rateWindowMs` must stay at its default and the sandbox clock must not be advanced.
   */
  workerProcess?: boolean;
  /** Worker tuning; unset fields keep the defaults (what production runs with). */
  tuning?: Partial<WorkerTuning>;
}

/** The child process running the workers (`workerProcess: true`). */
export interface WorkerProcessHandle {
  pid: number;
  /** Resident set size now, from /proc/<pid>/status (VmRSS), in bytes. */
  rss(): number;
  /** The kernel's peak RSS since start or the last `resetPeak()` (VmHWM), in bytes. */
  peakRss(): number;
  /** Resets VmHWM (writes 5 to /proc/<pid>/clear_refs); false where the kernel does not allow it. */
  resetPeak(): boolean;
  /** Asks the child for a full GC (it runs with --expose-gc) and waits for its memory report. */
  gc(): Promise<WorkerProcessMessage & { type: 'memory' }>;
}

export interface BenchEngine {
  sandbox: TikTokSandbox;
  client: Client;
  sink: SyncSink;
  tokenStore: TokenStore;
  service: TemporalSyncService;
  /** In-process workers (undefined with `workerProcess: true`). */
  workers?: WorkersHandle;
  /** The worker child process (with `workerProcess: true`). */
  workerProcess?: WorkerProcessHandle;
  /** OAuth through the sandbox for `accountId` (consent auto-approved); stores the tokens. */
  authorize(accountId: string): Promise<{ key: ConnectionKey; tokens: TokenSet }>;
  close(): Promise<void>;
}

/** A connector whose per-user windows are `windowMs` long (same limits), for a scaled-down time axis. */
function withWindow(connector: PlatformConnector, windowMs: number): PlatformConnector {
  return Object.create(connector, {
    rateLimits: { value: connector.rateLimits.map((w) => ({ ...w, windowMs })), enumerable: true },
  }) as PlatformConnector;
}

export async function startBenchEngine(
  servers: BenchServers,
  opts: BenchEngineOptions,
): Promise<BenchEngine> {
  const clock = new SandboxClock();
  const sandbox = createTikTokSandbox({
    clock,
    seed: opts.seed ?? 2026,
    accounts: opts.accounts,
    itemsPerAccount: opts.itemsPerAccount,
    autoApprove: true,
  });
  const windowMs = opts.rateWindowMs ?? 60_000;
  // The platform limits each user exactly like the engine's budget; the app limit is out of the way.
  sandbox.control.setLimits({ perUser: opts.callsPerWindow, perApp: 10_000_000, windowMs });
  const server = await listen(sandbox.handler);
  const projectId = `bench-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    ...sandbox.env(server.url),
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.namespace,
    GCLOUD_PROJECT: projectId,
    TIKTOK_CALLS_PER_MINUTE: String(opts.callsPerWindow),
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
  const config = loadConfig(env);
  if (opts.workerProcess && windowMs !== 60_000)
    throw new Error('a worker process cannot use a scaled rate window');
  const base = createTikTokConnector(tiktokSettingsFromEnv(config), { now: () => clock.now() });
  const connector = windowMs === 60_000 ? base : withWindow(base, windowMs);

  const taskQueuePrefix = `bench-${randomUUID().slice(0, 8)}`;
  let engine: SyncClient;
  let workers: WorkersHandle | undefined;
  let child: (WorkerProcessHandle & { stop(): Promise<void> }) | undefined;
  if (opts.workerProcess) {
    // The workers run in the child, composed there from its environment; this process only starts and reads syncs.
    engine = await composeSyncClient({ config, taskQueuePrefix, engine: opts.engine });
    child = await startWorkerProcess(
      {
        ...env,
        FIRESTORE_EMULATOR_HOST: servers.firestoreHost,
        LOG_LEVEL: 'error',
      },
      {
        taskQueuePrefix,
        workflowCodePath: servers.workflowCodePath,
        appActivitiesPerSecond: { tiktok: opts.appActivitiesPerSecond },
        shutdownGraceMs: 2_000,
        tuning: opts.tuning,
      },
    );
  } else {
    const inProcess = await composeEngine({
      config,
      connectors: { tiktok: connector },
      clock,
      workflowBundle: { code: servers.workflowCode },
      taskQueuePrefix,
      appActivitiesPerSecond: { tiktok: opts.appActivitiesPerSecond },
      shutdownGraceMs: 2_000,
      tuning: opts.tuning,
      engine: opts.engine,
    });
    engine = inProcess;
    workers = inProcess.workers;
  }
  const { client, syncService: service } = engine;
  const sink = engine.store.sink;
  const tokenStore = engine.store.tokens;

  return {
    sandbox,
    client,
    sink,
    tokenStore,
    service,
    workers,
    workerProcess: child,
    async authorize(accountId) {
      sandbox.control.login(accountId);
      const redirectUri = 'http://127.0.0.1:1/oauth/callback';
      const verifier = createCodeVerifier();
      const pkce = connector.oauth.pkce;
      const url = connector.oauth.authorizeUrl({
        state: randomUUID(),
        redirectUri,
        ...(pkce === 'none' ? {} : { codeChallenge: codeChallenge(verifier, pkce) }),
      });
      const consent = await fetch(url, { redirect: 'manual' });
      const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code');
      if (!code) throw new Error(`sandbox consent gave no code (${consent.status})`);
      const tokens = await connector.oauth.exchangeCode({ code, redirectUri, codeVerifier: verifier });
      // Users are unique per engine: sandboxes of one seed share account ids, connection workflows must not.
      const key: ConnectionKey = { userId: `${taskQueuePrefix}-${accountId}`, platform: 'tiktok' };
      await tokenStore.save(key, tokens);
      return { key, tokens };
    },
    async close() {
      await workers?.shutdown().catch(() => undefined);
      await child?.stop();
      await engine.close();
      await server.close();
    },
  };
}

const KB = 1024;

/** `VmRSS` / `VmHWM` of a process from /proc, in bytes (0 when unreadable). */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      fs.readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * KB : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts bench/worker-process.ts with this Node (`process.execPath --import tsx`) and an IPC channel, with only
 * `env` (plus PATH and HOME) as its environment, and waits until its workers poll.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  settings: WorkerProcessSettings,
): Promise<WorkerProcessHandle & { stop(): Promise<void> }> {
  const proc: ChildProcess = fork(path.join(__dirname, 'worker-process.ts'), [], {
    execPath: process.execPath,
    // The flags a worker process is meant to run with (src/workers), plus --expose-gc for the baseline.
    execArgv: [
      ...(process.env.BENCH_WORKER_NODE_OPTIONS === undefined ? WORKER_NODE_FLAGS : []),
      '--expose-gc',
      ...(process.env.BENCH_WORKER_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`]
        : []),
      '--import',
      'tsx',
    ],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.BENCH_WORKER_TRACE ? { BENCH_WORKER_TRACE: process.env.BENCH_WORKER_TRACE } : {}),
      ...(process.env.BENCH_WORKER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS }
        : {}),
      ...env,
      BENCH_WORKER: JSON.stringify(settings),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker process not ready after 120 s')), 120_000);
    proc.on('message', (m: WorkerProcessMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`worker process failed: ${m.error}`));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}) before it was ready`));
    });
  }).catch(async (err: unknown) => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await exited;
    throw err;
  });
  const pid = proc.pid!;
  return {
    pid,
    rss: () => procStatus(pid, 'VmRSS'),
    peakRss: () => procStatus(pid, 'VmHWM'),
    resetPeak() {
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    gc() {
      return new Promise((resolve) => {
        const onMessage = (m: WorkerProcessMessage) => {
          if (m.type !== 'memory') return;
          proc.off('message', onMessage);
          resolve(m);
        };
        proc.on('message', onMessage);
        proc.send({ type: 'gc' });
        proc.send({ type: 'memory' });
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'shutdown' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
