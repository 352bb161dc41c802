/**
 * The sync engine's benchmarks (issue #5). Each builds its own engine (bench/engine-env.ts) on the shared servers,
 * measures, and returns plain numbers; bench/run.ts prints them against their targets. Nothing here asserts.
 */
import { requestSyncUpdate, connectionWorkflowId } from '../src/workflows/definitions';
import type { SyncWorkflowResult } from '../src/workflows/sync';
import type { WorkerTuning } from '../src/workers';
import { startBenchEngine, type BenchEngine, type BenchServers } from './engine-env';
import type { ConnectionKey, SyncSummary } from '../src/domain';

/** TikTok's largest `video/list` page. */
const TIKTOK_MAX_PAGE = 20;
const DAY_MS = 86_400_000;
/** Effectively unlimited per-user budget: the platform is not the bottleneck. */
const UNLIMITED = 1_000_000;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function waitResult(engine: BenchEngine, workflowId: string, runId: string): Promise<SyncSummary> {
  return ((await engine.client.workflow.getHandle(workflowId, runId).result()) as SyncWorkflowResult).summary;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

export interface LatencyResult {
  runs: number;
  manualP50Ms: number;
  manualP95Ms: number;
  incrementalP50Ms: number;
  incrementalP95Ms: number;
  /** Platform calls of one incremental sync of the unchanged account, and the fewest its paging allows. */
  incrementalCalls: number;
  minimumCalls: number;
  requestsWhileLimited: number;
}

/**
 * A 45-video account, connected and synced; then, with the worker warm, `runs` manual syncs (sync now + wait) and
 * `runs` incremental syncs of the unchanged account, end to end through Temporal, the sandbox and Firestore.
 */
export async function benchSyncLatency(
  servers: BenchServers,
  { runs }: { runs: number },
): Promise<LatencyResult> {
  const engine = await startBenchEngine(servers, {
    accounts: 1,
    itemsPerAccount: 45,
    callsPerWindow: UNLIMITED,
    appActivitiesPerSecond: 1_000,
  });
  try {
    const accountId = engine.sandbox.accountIds()[0]!;
    const { key } = await engine.authorize(accountId);
    const started = await engine.service.connect({ ...key, accountId });
    await waitResult(engine, started.workflowId, started.runId);
    const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
    const incremental = async () => {
      const sync = await handle.executeUpdate(requestSyncUpdate, { args: [{ mode: 'incremental' }] });
      return waitResult(engine, sync.workflowId, sync.runId);
    };
    for (let i = 0; i < 2; i++) await engine.service.syncNowAndWait(key); // warm-up
    await incremental();

    const manual: number[] = [];
    const inc: number[] = [];
    let incrementalCalls = 0;
    for (let i = 0; i < runs; i++) {
      manual.push((await timed(() => engine.service.syncNowAndWait(key))).ms);
      const run = await timed(incremental);
      inc.push(run.ms);
      incrementalCalls = run.value.calls;
    }
    manual.sort((a, b) => a - b);
    inc.sort((a, b) => a - b);

    // Fewest calls: one user/info, and video/list pages until an item older than the 30-day window (or the end).
    const videos = engine.sandbox.groundTruth(accountId).items.videos ?? [];
    const horizon = engine.sandbox.clock.now() - 30 * DAY_MS;
    const recent = videos.filter((v) => Date.parse(v.createdAt) >= horizon).length;
    const pages = Math.max(1, Math.ceil(Math.min(videos.length, recent + 1) / TIKTOK_MAX_PAGE));
    return {
      runs,
      manualP50Ms: percentile(manual, 0.5),
      manualP95Ms: percentile(manual, 0.95),
      incrementalP50Ms: percentile(inc, 0.5),
      incrementalP95Ms: percentile(inc, 0.95),
      incrementalCalls,
      minimumCalls: 1 + pages,
      requestsWhileLimited: engine.sandbox.log.stats().requestsWhileRateLimited,
    };
  } finally {
    await engine.close();
  }
}

export interface ThroughputResult {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  calls: number;
}

/** Initial sync of one account of `items` videos with every limit out of the way. */
export async function benchInitialThroughput(
  servers: BenchServers,
  { items }: { items: number },
): Promise<ThroughputResult> {
  const engine = await startBenchEngine(servers, {
    accounts: 1,
    itemsPerAccount: items,
    callsPerWindow: UNLIMITED,
    appActivitiesPerSecond: 1_000,
  });
  try {
    const accountId = engine.sandbox.accountIds()[0]!;
    const { key } = await engine.authorize(accountId);
    const run = await timed(async () => {
      const started = await engine.service.connect({ ...key, accountId });
      return waitResult(engine, started.workflowId, started.runId);
    });
    const stored = await engine.sink.countItems(key, 'videos');
    return {
      items: stored,
      seconds: run.ms / 1000,
      itemsPerSecond: stored / (run.ms / 1000),
      calls: run.value.calls,
    };
  } finally {
    await engine.close();
  }
}

export interface FanOutResult {
  connections: number;
  itemsPerConnection: number;
  seconds: number;
  completed: number;
  syncsPerSecond: number;
  /** The worker process (bench/worker-process.ts): peak RSS during the fan-out, and RSS before it (after a GC). */
  workerPeakRssMb: number;
  workerBaselineRssMb: number;
  /** How the worker peak was taken: the kernel's VmHWM (reset before the fan-out) or 100 ms samples of VmRSS. */
  workerPeakSource: 'VmHWM' | 'sampled';
  /** This process (sandbox, Temporal client, data generator): peak RSS during the fan-out, and before it. */
  benchPeakRssMb: number;
  benchBaselineRssMb: number;
  requestsWhileLimited: number;
}

const MB = 2 ** 20;

/**
 * `connections` accounts connected at once: every initial sync runs on the one worker process — a child process
 * (bench/worker-process.ts) built by composeEngine with the default tuning — measured from the first connect until
 * the last sync finished. The worker's RSS is sampled from /proc every 100 ms (and its kernel peak read at the end);
 * this process, which hosts the sandbox, the client and the data generator, is measured separately.
 */
export async function benchFanOut(
  servers: BenchServers,
  {
    connections,
    itemsPerConnection,
    tuning,
  }: { connections: number; itemsPerConnection: number; tuning?: Partial<WorkerTuning> },
): Promise<FanOutResult> {
  const engine = await startBenchEngine(servers, {
    accounts: connections,
    itemsPerAccount: itemsPerConnection,
    callsPerWindow: UNLIMITED,
    appActivitiesPerSecond: 500,
    workerProcess: true,
    tuning,
  });
  const worker = engine.workerProcess!;
  try {
    const accounts = engine.sandbox.accountIds().slice(0, connections);
    // OAuth is one consent at a time in the sandbox (one logged-in user); it is not part of the measurement.
    const keys: { accountId: string; key: ConnectionKey }[] = [];
    for (const accountId of accounts) keys.push({ accountId, ...(await engine.authorize(accountId)) });
    global.gc?.();
    await worker.gc();
    const workerBaseline = worker.rss();
    const kernelPeak = worker.resetPeak();
    const benchBaseline = process.memoryUsage().rss;
    let workerPeak = workerBaseline;
    let benchPeak = benchBaseline;
    const sample = () => {
      workerPeak = Math.max(workerPeak, worker.rss());
      benchPeak = Math.max(benchPeak, process.memoryUsage().rss);
    };
    const sampler = setInterval(sample, 100);

    const run = await timed(async () => {
      let completed = 0;
      await Promise.all(
        keys.map(async ({ key, accountId }) => {
          const started = await engine.service.connect({ ...key, accountId });
          await waitResult(engine, started.workflowId, started.runId);
          completed += 1;
        }),
      );
      return completed;
    });
    clearInterval(sampler);
    sample();
    if (kernelPeak) workerPeak = Math.max(workerPeak, worker.peakRss());
    return {
      connections,
      itemsPerConnection,
      seconds: run.ms / 1000,
      completed: run.value,
      syncsPerSecond: run.value / (run.ms / 1000),
      workerPeakRssMb: workerPeak / MB,
      workerBaselineRssMb: workerBaseline / MB,
      workerPeakSource: kernelPeak ? 'VmHWM' : 'sampled',
      benchPeakRssMb: benchPeak / MB,
      benchBaselineRssMb: benchBaseline / MB,
      requestsWhileLimited: engine.sandbox.log.stats().requestsWhileRateLimited,
    };
  } finally {
    await engine.close();
  }
}

export interface SaturationResult {
  limit: number;
  windowMs: number;
  windows: number;
  calls: number;
  /** calls / (limit × windows) over the measured windows. */
  share: number;
  requestsWhileLimited: number;
  throttled: number;
}

/**
 * A backfill that needs far more calls than the per-user budget gives: the budget (and the platform's own limit,
 * the same) is `limit` video/list calls per `windowMs`. Measures how much of it the engine spends over `windows`
 * windows from its first page, and whether it ever calls while limited.
 */
export async function benchSaturatedBackfill(
  servers: BenchServers,
  { limit, windowMs, windows }: { limit: number; windowMs: number; windows: number },
): Promise<SaturationResult> {
  // Enough videos that the walk lasts beyond the measured windows.
  const items = TIKTOK_MAX_PAGE * limit * (windows + 2);
  const engine = await startBenchEngine(servers, {
    accounts: 1,
    itemsPerAccount: items,
    callsPerWindow: limit,
    rateWindowMs: windowMs,
    appActivitiesPerSecond: 1_000,
  });
  try {
    const accountId = engine.sandbox.accountIds()[0]!;
    const { key } = await engine.authorize(accountId);
    await engine.service.connect({ ...key, accountId });
    const pages = () => engine.sandbox.log.all({ endpoint: 'POST /v2/video/list/', user: accountId });
    while (pages().length === 0) await new Promise((r) => setTimeout(r, 50));
    const from = pages()[0]!.at;
    const until = from + windows * windowMs;
    while (engine.sandbox.clock.now() < until) await new Promise((r) => setTimeout(r, 100));
    const measured = pages().filter((r) => r.at >= from && r.at < until);
    const stats = engine.sandbox.log.stats();
    await engine.service.disconnect(key);
    return {
      limit,
      windowMs,
      windows,
      calls: measured.length,
      share: measured.length / (limit * windows),
      requestsWhileLimited: stats.requestsWhileRateLimited,
      throttled: stats.rateLimitedServed,
    };
  } finally {
    await engine.close();
  }
}
