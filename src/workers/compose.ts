/**
 * `composeEngine()`: the one place the sync engine is wired from configuration — Firestore store and token keyring,
 * platform connectors, the Temporal client and the workers' native connection, the metrics registry, the workers
 * and the sync service. The service (`startService`), the worker process (`npm run worker`), the benchmarks and
 * the test harnesses all call it, so what they run and measure is what production runs. What differs between them
 * is passed as options (a workflow bundle, a task queue prefix, a clock, a subset of platforms…), never rewired.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { temporalConnectConfig, type Env, type TemporalConnectConfig } from '../config';
import type { PlatformId } from '../domain';
import { createConnectors, type ConnectorRegistry } from '../platforms/registry';
import { silentLogger, type Logger } from '../shared/logger';
import { socialsyncMetrics, type SocialsyncMetrics } from '../shared/metrics';
import {
  closeFirestore,
  createFirestore,
  createStore,
  resolveKeyring,
  type Firestore,
  type Store,
} from '../store';
import { createTemporalSyncService, type TemporalSyncService } from '../sync/temporal-sync-service';
import type { ConnectionOptions } from '../workflows/connection';
import { runWorkers, type RunWorkersOptions, type WorkersHandle } from './index';

/** What the client side needs: enough to start, steer and read syncs whose workers may run elsewhere. */
export interface ComposeClientOptions {
  /** Parsed environment; TEMPORAL_ADDRESS must be set (`npm start` sets it to the embedded server's address). */
  config: Env;
  logger?: Logger;
  /** Where the dev keyring lives when TOKEN_ENCRYPTION_KEYS is unset (outside production only). */
  dataDir?: string;
  taskQueuePrefix?: string;
  /** Tuning of the connection workflows the sync service starts (debounce, refresh window…). */
  engine?: Partial<ConnectionOptions>;
  /**
   * Parts a test or benchmark already holds, used instead of being created (and then not closed here): a Firestore
   * handle on its own project, a Temporal client.
   */
  db?: Firestore;
  client?: Client;
}

export interface ComposeEngineOptions extends ComposeClientOptions {
  /** Serve only these platforms, which must then be configured (default: every configured platform). */
  platforms?: readonly PlatformId[];
  /**
   * Time for token expiry and rate-limit resets (the sandbox clock when the sandboxes run in-process); the
   * connectors built here and the activities' retry delays follow it. Default: wall-clock time.
   */
  clock?: { now(): number };
  /** Pre-bundled workflow code (tests and benchmarks bundle once); default: bundled at start. */
  workflowBundle?: RunWorkersOptions['workflowBundle'];
  /** Also run the workflow worker (default true); false gives an activity-only process. */
  withWorkflows?: boolean;
  /** Memory and concurrency of this process's workers (WorkerTuning; unset fields keep the defaults). */
  tuning?: RunWorkersOptions['tuning'];
  /** Overrides of the per-app activity rates of the platforms' descriptors. */
  appActivitiesPerSecond?: RunWorkersOptions['appActivitiesPerSecond'];
  shutdownGraceMs?: number;
  workerOptions?: RunWorkersOptions['workerOptions'];
  /** Registry the workers' metrics go to (the HTTP service serves it at `/metrics`); default: a new one. */
  registry?: Registry;
  /** Connectors used instead of those built from `config` (a test's own, one wrapped for a shorter rate window). */
  connectors?: ConnectorRegistry;
}

export interface SyncClient {
  config: Env;
  db: Firestore;
  store: Store;
  keyringSource: 'env' | 'dev-file';
  client: Client;
  taskQueuePrefix: string | undefined;
  syncService: TemporalSyncService;
  /** Closes what was created here (not the `db` or `client` passed in). Idempotent. */
  close(): Promise<void>;
}

export interface Engine extends SyncClient {
  connectors: ConnectorRegistry;
  /** Platforms whose task queues this engine's workers poll. */
  platforms: PlatformId[];
  registry: Registry;
  metrics: SocialsyncMetrics;
  workers: WorkersHandle;
  /** Another set of workers with the same options (e.g. after `workers.shutdown()`, to simulate a restart). */
  startWorkers(): Promise<WorkersHandle>;
  /** Stops every set of workers (letting in-flight activities finish), then closes what was created here. */
  close(): Promise<void>;
}

/** Runs `build` with a list of undo steps; on failure they run (newest first) and the error is rethrown. */
class Cleanups {
  private readonly steps: (() => Promise<unknown>)[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  /** Runs every step once, newest first; a failing step is logged and the others still run. */
  run(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const step of this.steps.reverse())
        await step().catch((err: unknown) => this.logger.warn({ err }, 'engine cleanup step failed'));
      this.steps.length = 0;
    })());
  }
}

async function buildSyncClient(
  opts: ComposeClientOptions,
  logger: Logger,
  cleanups: Cleanups,
): Promise<Omit<SyncClient, 'close'> & { temporal: TemporalConnectConfig }> {
  const { config } = opts;
  // Address, namespace, TLS and API key from the environment or a TOML profile (src/config/temporal.ts).
  const temporal = temporalConnectConfig(config, 'the sync engine');
  const { keyring, source: keyringSource } = resolveKeyring({ env: config, dataDir: opts.dataDir });
  let db = opts.db;
  if (!db) {
    const own = createFirestore({ projectId: config.GCLOUD_PROJECT });
    cleanups.push(() => closeFirestore(own));
    db = own;
  }
  const store = createStore({ db, keyring, logger });
  let client = opts.client;
  if (!client) {
    const connection = await Connection.connect(temporal.client);
    cleanups.push(() => connection.close());
    client = new Client({ connection, namespace: temporal.namespace });
  }
  const syncService = createTemporalSyncService({
    client,
    sink: store.sink,
    config,
    taskQueuePrefix: opts.taskQueuePrefix,
    logger,
    engine: opts.engine,
  });
  return {
    temporal,
    config,
    db,
    store,
    keyringSource,
    client,
    taskQueuePrefix: opts.taskQueuePrefix,
    syncService,
  };
}

/**
 * The client side alone (store, Temporal client, sync service), for a process whose workers run elsewhere: a
 * benchmark measuring a worker process from outside it.
 */
export async function composeSyncClient(opts: ComposeClientOptions): Promise<SyncClient> {
  const logger = opts.logger ?? silentLogger;
  const cleanups = new Cleanups(logger);
  try {
    const { temporal: _temporal, ...parts } = await buildSyncClient(opts, logger, cleanups);
    return { ...parts, close: () => cleanups.run() };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}

export async function composeEngine(opts: ComposeEngineOptions): Promise<Engine> {
  const logger = opts.logger ?? silentLogger;
  const cleanups = new Cleanups(logger);
  try {
    // Configuration mistakes first, before anything connects.
    const { config, clock } = opts;
    // PLATFORMS narrows what this deployment serves: a configured platform left out gets no connector.
    const only = opts.platforms ?? config.PLATFORMS;
    const connectors =
      opts.connectors ??
      Object.fromEntries(
        Object.entries(
          createConnectors(config, { logger, now: clock ? () => clock.now() : undefined }, opts.platforms),
        ).filter(([p]) => only.includes(p as PlatformId)),
      );
    const platforms = (opts.platforms ?? (Object.keys(connectors) as PlatformId[])).filter(
      (p) => connectors[p] !== undefined,
    );
    if (platforms.length === 0)
      throw new Error('no platform is configured: set credentials or run the sandboxes');
    const { temporal, ...parts } = await buildSyncClient(opts, logger, cleanups);
    const { store, client } = parts;
    const registry = opts.registry ?? new Registry();
    const metrics = socialsyncMetrics(registry);

    const startWorkers = async (): Promise<WorkersHandle> => {
      const connection = await NativeConnection.connect(temporal.worker);
      try {
        const workers = await runWorkers({
          config,
          connection,
          connectors,
          sink: store.sink,
          tokenStore: store.tokens,
          logger,
          client,
          workflowBundle: opts.workflowBundle,
          taskQueuePrefix: opts.taskQueuePrefix,
          appActivitiesPerSecond: opts.appActivitiesPerSecond,
          clock,
          platforms,
          withWorkflows: opts.withWorkflows,
          shutdownGraceMs: opts.shutdownGraceMs,
          tuning: opts.tuning,
          metrics,
          workerOptions: opts.workerOptions,
        });
        // Per set: its native connection is closed once its workers have stopped.
        cleanups.push(async () => {
          await workers.shutdown().catch(() => undefined);
          await connection.close();
        });
        return workers;
      } catch (err) {
        await connection.close().catch(() => undefined);
        throw err;
      }
    };
    const workers = await startWorkers();
    return {
      ...parts,
      connectors,
      platforms,
      registry,
      metrics,
      workers,
      startWorkers,
      close: () => cleanups.run(),
    };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}
