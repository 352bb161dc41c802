/**
 * The worker under test, in a process of its own (started by bench/engine-env.ts with
 * `process.execPath --import tsx bench/worker-process.ts` and an IPC channel), so the benchmark can measure the
 * worker's memory without the sandbox, the Temporal client and the data generator that live in the bench process.
 *
 * Built like production (src/cli/worker.ts): config from the environment (`loadConfig`) and `composeEngine` —
 * Firestore store, connectors, Temporal connections, metrics and workers; no HTTP service. The bench passes the
 * sandbox URLs, Temporal address, emulator host, project id and token keys as environment variables, and the
 * bench-only settings as JSON in BENCH_WORKER (see WorkerProcessSettings).
 *
 * IPC, child → parent: `{ type: 'ready', taskQueues }`, `{ type: 'memory', ... }` (answer to `memory`),
 * `{ type: 'stopped' }`. Parent → child: `{ type: 'memory' }`, `{ type: 'gc' }`, `{ type: 'shutdown' }`.
 * The child exits when the parent goes away.
 */
import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/shared/logger';
import { composeEngine, type ComposeEngineOptions } from '../src/workers/compose';

/** Bench-only settings of the child (JSON in BENCH_WORKER). */
export interface WorkerProcessSettings {
  taskQueuePrefix: string;
  /** The workflow bundle the bench built once, written to a file. */
  workflowCodePath: string;
  appActivitiesPerSecond?: ComposeEngineOptions['appActivitiesPerSecond'];
  shutdownGraceMs?: number;
  /** Worker tuning; unset fields keep the defaults (what production runs with). */
  tuning?: ComposeEngineOptions['tuning'];
}

export type WorkerProcessMessage =
  | { type: 'ready'; taskQueues: string[] }
  | {
      type: 'memory';
      rss: number;
      heapUsed: number;
      heapTotal: number;
      external: number;
      arrayBuffers: number;
    }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };

function send(message: WorkerProcessMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessSettings;
  const config = loadConfig(process.env);
  // Errors only, to the parent's stderr; the bench reads numbers, not logs.
  const logger = createLogger({ level: 'error' });
  Runtime.install({
    logger: {
      log() {},
      trace() {},
      debug() {},
      info() {},
      warn() {},
      error: (m) => process.stderr.write(`[worker-process] temporal: ${m}\n`),
    },
  });

  const engine = await composeEngine({
    config,
    logger,
    workflowBundle: { codePath: settings.workflowCodePath },
    taskQueuePrefix: settings.taskQueuePrefix,
    appActivitiesPerSecond: settings.appActivitiesPerSecond,
    shutdownGraceMs: settings.shutdownGraceMs,
    tuning: settings.tuning,
  });

  const { workers } = engine;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await engine.close().catch(() => undefined);
      send({ type: 'stopped' });
      process.exit(0);
    })());

  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'memory') send({ type: 'memory', ...process.memoryUsage() });
    else if (m?.type === 'gc') global.gc?.();
    else if (m?.type === 'shutdown') void stop();
  });
  process.on('disconnect', () => void stop());
  workers.done.catch((err: unknown) => {
    send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
  if (process.env.BENCH_WORKER_TRACE === '1') {
    // Diagnostics for tuning: this thread's V8 heap and native memory once a second (the workflow thread's heap
    // and the Temporal core's memory are in RSS only).
    const mb = (n: number) => Math.round(n / 2 ** 20);
    setInterval(() => {
      const m = process.memoryUsage();
      process.stderr.write(
        `[worker-process] rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} ` +
          `external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} MB\n`,
      );
    }, 1_000).unref();
  }
  send({ type: 'ready', taskQueues: workers.taskQueues });
}

main().catch((err: unknown) => {
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`[worker-process] failed: ${error}\n`);
  send({ type: 'failed', error });
  process.exit(1);
});
