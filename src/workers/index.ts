/**
 * The sync engine's workers (wired by `composeEngine` in compose.ts): one worker for workflows (plus the bookkeeping
 * activities), and one activity worker per platform task queue, whose `maxTaskQueueActivitiesPerSecond` is the per-app
 * limit enforced by the Temporal server across every worker process. Add processes to scale; nothing is
 * kept in memory between activities.
 */
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Env } from '../config';
import { createActivities, type Clock } from '../activities';
import type { PlatformId } from '../domain';
import { appActivitiesPerSecond, type ConnectorRegistry } from '../platforms/registry';
import type { EngineMetrics } from '../shared/metrics';
import type { Logger } from '../shared/logger';
import type { SyncSink, TokenStore } from '../store/types';
import { createTemporalSchedules, type ScheduleControl } from '../sync/schedules';
import { DEFAULT_TASK_QUEUE_PREFIX, platformTaskQueue, workflowTaskQueue } from '../workflows/definitions';

/**
 * Per-app activity rate per platform queue (activities per second across all workers), from each platform's
 * descriptor (`appActivitiesPerSecond` in src/platforms/<platform>/descriptor.ts, where the reasons are).
 */
export const DEFAULT_APP_ACTIVITIES_PER_SECOND: Readonly<Record<PlatformId, number>> =
  appActivitiesPerSecond();

/** How long in-flight activities may finish at shutdown before they are cancelled. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * How much one worker process keeps in memory and runs at once. The SDK's own defaults size the sticky workflow
 * cache from the V8 heap limit (about 2,400 workflows with a 4 GB heap) and allow 100 activities per worker.
 * These defaults, with the process started with WORKER_NODE_FLAGS, keep one worker process under 512 MB RSS with
 * 500 connections syncing at once (docs/sync-engine.md, Benchmarks). Scale out by adding processes.
 */
export interface WorkerTuning {
  /**
   * Sticky cache of the workflow worker (`maxCachedWorkflows`): workflows kept in memory between tasks. A workflow
   * evicted from the cache is replayed from its history on its next task (correct, a little more CPU); the cache
   * does not limit how many workflows can run. Default 200.
   */
  maxCachedWorkflows: number;
  /** Workflow tasks the workflow worker processes at once (`maxConcurrentWorkflowTaskExecutions`). Default 40. */
  maxConcurrentWorkflowTaskExecutions: number;
  /**
   * Activities each worker of this process runs at once (`maxConcurrentActivityTaskExecutions`), per task queue:
   * each in-flight sync page holds a platform response and a Firestore batch. The per-app rate
   * (`appActivitiesPerSecond`) is the real throughput limit; 50 slots cover it with room. Default 50.
   */
  maxConcurrentActivityTaskExecutions: number;
}

export const DEFAULT_WORKER_TUNING: WorkerTuning = {
  maxCachedWorkflows: 200,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 50,
};

/**
 * Node flags for a process that runs workers (e.g. `NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=16"`).
 * Without them V8 sizes its heaps from the machine's memory (a 4 GB limit on a 24 GB host) and collects garbage
 * lazily: under a burst of syncs the main thread and the workflow thread (both use these process-wide flags) grow
 * to 800+ MB RSS of mostly garbage. With them the same burst peaks under 400 MB and runs no slower. The live heap
 * of a worker under 500 concurrent syncs is under 100 MB, so 256 MB leaves room; raise it together with
 * `maxCachedWorkflows`. A 16 MB young generation (4 MB before issue 13) scavenges a quarter as often: about 15 % less
 * worker CPU in a burst of syncs, and the 500-connection fan-out still peaks under 400 MB. Settable only when Node
 * starts, hence a constant for launchers rather than an option.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=16'];

export interface RunWorkersOptions {
  config: Pick<Env, 'SYNC_INTERVAL' | 'TEMPORAL_NAMESPACE'>;
  /** Worker connection to Temporal. */
  connection: NativeConnection;
  connectors: ConnectorRegistry;
  sink: SyncSink;
  tokenStore: TokenStore;
  logger: Logger;
  /** Pre-bundled workflow code (tests bundle once); default: bundle `src/workflows` at start. */
  workflowBundle?: { code: string } | { codePath: string };
  /** Client the activities pause/unpause schedules with (unless `schedules` is given). */
  client: Client;
  schedules?: ScheduleControl;
  taskQueuePrefix?: string;
  /** Overrides of DEFAULT_APP_ACTIVITIES_PER_SECOND. */
  appActivitiesPerSecond?: Partial<Record<PlatformId, number>>;
  /** Time for turning platform reset instants into retry delays (tests pass the sandbox clock). */
  clock?: Clock;
  /** Which platform queues to serve (default: every platform with a connector). */
  platforms?: PlatformId[];
  /** Also run the workflow worker (default true); false gives an activity-only process. */
  withWorkflows?: boolean;
  /** How long in-flight activities may finish at shutdown before they are cancelled (DEFAULT_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  /** Memory and concurrency of this process's workers; unset fields take DEFAULT_WORKER_TUNING. */
  tuning?: Partial<WorkerTuning>;
  /** Prometheus metrics the activities record (API calls, rate limits, sync durations); none when absent. */
  metrics?: EngineMetrics;
  /** Passed to every Worker.create (e.g. `identity`). */
  workerOptions?: Partial<Pick<WorkerOptions, 'identity'>>;
}

export interface WorkersHandle {
  /** Task queues being polled. */
  readonly taskQueues: string[];
  /** Resolves when every worker has stopped (after `shutdown()` or a fatal error). */
  readonly done: Promise<void>;
  /** Graceful: stops polling, lets in-flight activities finish within the grace time, then resolves. */
  shutdown(): Promise<void>;
}

export async function runWorkers(options: RunWorkersOptions): Promise<WorkersHandle> {
  const log = options.logger.child({ module: 'workers' });
  const prefix = options.taskQueuePrefix ?? DEFAULT_TASK_QUEUE_PREFIX;
  const namespace = options.config.TEMPORAL_NAMESPACE;

  const schedules =
    options.schedules ??
    createTemporalSchedules({
      client: options.client,
      settings: { intervalMs: options.config.SYNC_INTERVAL, taskQueuePrefix: prefix },
    });

  const activities = createActivities({
    connectors: options.connectors,
    sink: options.sink,
    tokenStore: options.tokenStore,
    schedules,
    logger: options.logger,
    clock: options.clock,
    metrics: options.metrics,
  });
  const tuning: WorkerTuning = { ...DEFAULT_WORKER_TUNING, ...options.tuning };
  const common = {
    connection: options.connection,
    namespace,
    activities,
    shutdownGraceTime: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    // A page batch's checkpoint is its heartbeat: send it at most every 2 s (the SDK's default throttle is 80 % of the
    // 10 s heartbeat timeout), so a batch retried after a crash re-reads at most ~2 s of pages.
    maxHeartbeatThrottleInterval: 2_000,
    ...options.workerOptions,
  };

  const workers: Worker[] = [];
  if (options.withWorkflows !== false) {
    const workflowSource = options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') };
    workers.push(
      await Worker.create({
        ...common,
        ...workflowSource,
        taskQueue: workflowTaskQueue(prefix),
        maxCachedWorkflows: tuning.maxCachedWorkflows,
        maxConcurrentWorkflowTaskExecutions: Math.min(
          tuning.maxConcurrentWorkflowTaskExecutions,
          Math.max(tuning.maxCachedWorkflows, 2),
        ),
      }),
    );
  }
  const rates = { ...DEFAULT_APP_ACTIVITIES_PER_SECOND, ...options.appActivitiesPerSecond };
  const platforms = options.platforms ?? (Object.keys(options.connectors) as PlatformId[]);
  for (const platform of platforms) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: platformTaskQueue(platform, prefix),
        maxTaskQueueActivitiesPerSecond: rates[platform],
      }),
    );
  }

  const taskQueues = workers.map((w) => w.options.taskQueue);
  log.info({ taskQueues }, 'workers running');
  const done = Promise.all(workers.map((w) => w.run())).then(
    () => undefined,
    (err: unknown) => {
      // One worker failing fatally takes the others down, so the process can exit and be restarted.
      log.error({ err }, 'worker failed');
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      throw err;
    },
  );

  return {
    taskQueues,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
      log.info('workers stopped');
    },
  };
}
