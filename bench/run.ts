/**
 * `npm run bench`: starts its own Temporal dev server and Firestore emulator (src/infra) and TikTok sandboxes,
 * runs the sync-engine benchmarks (and the HTTP service's webhook intake benchmark, bench/webhooks.ts), prints a
 * table of numbers with their targets, and exits. Nothing is asserted: a miss is printed, not thrown.
 *
 * BENCH_QUICK=1 runs a smaller version of each. BENCH_CONNECTIONS sets the fan-out size (default 500; quick 100).
 * BENCH_ONLY=fanout runs the fan-out alone (for tuning the worker's memory); BENCH_ONLY=<section> runs one section
 * (bench/sections.ts), e.g. BENCH_ONLY=issue13 for issue 13's comparison with the seed-literal loop
 * (bench/seed-loop.ts) and the call-plan-equal plain loop (bench/plain-loop.ts), in bench/issue13.ts.
 * BENCH_ITEMS_PER_ACCOUNT sets issue 13's items per sandbox account. BENCH_WORKER_TUNING='{"maxCachedWorkflows":100}'
 * overrides the worker tuning (WorkerTuning in src/workers) for the fan-out's worker; default: the production defaults.
 * The worker process starts with WORKER_NODE_FLAGS (src/workers); BENCH_WORKER_NODE_OPTIONS replaces them (as its
 * NODE_OPTIONS; empty: Node's defaults). BENCH_WORKER_TRACE=1 prints the worker's memory once a second;
 * BENCH_WORKER_CPU_PROF=<dir> writes the worker process's CPU profile there (node --cpu-prof) when it exits.
 *
 * The fan-out's worker runs in a child process (bench/worker-process.ts), so its memory is measured apart from
 * this process, which hosts the sandboxes, the Temporal client and the data generator. The other benchmarks run
 * their workers in this process.
 * Needs the Temporal CLI (or Go) and the Firestore emulator, like the integration tests.
 */
import { benchmarkWebhooks, formatWebhookBench } from './webhooks';
import { benchmarkWebhooksEndToEnd, webhooksEndToEndRows } from './webhooks-e2e';
import { startBenchServers, type BenchServers } from './engine-env';
import {
  benchFanOut,
  benchInitialThroughput,
  benchSaturatedBackfill,
  benchSyncLatency,
} from './sync-benchmarks';
import { fixed, formatTable, type BenchRow } from './table';
import { issue13Section } from './issue13';
import { benchXCost, xCostRows } from './x-cost';
import { benchmarkWebhookScaleOut, webhookScaleOutRows } from './webhooks';
import { BENCH_SECTIONS, type BenchSection } from './sections';
import type { WorkerTuning } from '../src/workers';

const quick = process.env.BENCH_QUICK === '1';

/** Issue 12: post reads per 6-hourly X sync for an account posting 5 a day, two settings (bench/x-cost.ts). */
const xCostSection: BenchSection = {
  name: 'xcost',
  async run({ servers, quick: short, say: progress, rows }) {
    progress('X cost: post reads per 6-hourly sync (5 posts/day), before and after');
    rows.push(...xCostRows(await benchXCost(servers, { progress, syncs: short ? 4 : 8 })));
  },
};

/** Issue 13 item 5: signed webhook intake on the real stack, 1 and 2 HTTP instances (bench/webhooks.ts). */
const intakeSection: BenchSection = {
  name: 'intake',
  async run({ servers, quick: short, say: progress, rows }) {
    progress('webhook intake on the real stack, scaled out');
    rows.push(
      ...webhookScaleOutRows(
        await benchmarkWebhookScaleOut({
          servers,
          instances: [1, 2],
          concurrency: [50, 200],
          quick: short,
          progress,
        }),
      ),
    );
  },
};
const only = process.env.BENCH_ONLY;
/** Built-in sections first, then those added by other modules (bench/sections.ts). */
const sections = (): BenchSection[] => [issue13Section, xCostSection, intakeSection, ...BENCH_SECTIONS];
if (only !== undefined && only !== 'fanout' && !sections().some((s) => s.name === only))
  throw new Error(
    `BENCH_ONLY: one of "fanout", ${sections()
      .map((s) => `"${s.name}"`)
      .join(', ')}; got "${only}"`,
  );
const tuning = process.env.BENCH_WORKER_TUNING
  ? (JSON.parse(process.env.BENCH_WORKER_TUNING) as Partial<WorkerTuning>)
  : undefined;
/** Peak RSS target of one worker process with `connections` syncs at once. */
const WORKER_RSS_TARGET_MB = 512;
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const plan = {
  latencyRuns: quick ? 8 : 30,
  initialItems: 1_000,
  connections: Number(process.env.BENCH_CONNECTIONS) || (quick ? 100 : 500),
  itemsPerConnection: 20,
  saturation: { limit: 10, windowMs: 10_000, windows: quick ? 2 : 5 },
  webhookRequests: quick ? 1_000 : 5_000,
};

async function main(): Promise<void> {
  const started = Date.now();
  say(`${quick ? 'quick' : 'full'} run: ${JSON.stringify(plan)}`);
  const servers = await startBenchServers(say);
  say(`servers up in ${Date.now() - started} ms`);
  // Interrupted: stop the servers this run started, then exit.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void servers.stop().finally(() => process.exit(130)));
  }
  const rows: BenchRow[] = [];
  let whileLimited = 0;
  try {
    if (only !== undefined && only !== 'fanout') {
      await runSections(servers, rows, only);
      return;
    }
    // Fan-out first: its peak RSS should not include what earlier benchmarks left in this process.
    say(
      `fan-out: ${plan.connections} connections x ${plan.itemsPerConnection} videos synced at once on one worker`,
    );
    const fan = await benchFanOut(servers, {
      connections: plan.connections,
      itemsPerConnection: plan.itemsPerConnection,
      tuning,
    });
    whileLimited += fan.requestsWhileLimited;
    const scaled = plan.connections === 500 ? '' : ' (scaled down from 500)';
    rows.push(
      {
        benchmark: 'fan-out: connections synced at once (one worker process)',
        result: `${fan.connections} x ${fan.itemsPerConnection} videos`,
        target: scaled ? `-${scaled}` : '500',
      },
      {
        benchmark: 'fan-out: total time',
        result: `${fixed(fan.seconds, 1)} s (${fan.completed}/${fan.connections} done)`,
        target: '-',
      },
      { benchmark: 'fan-out: syncs/s', result: `${fixed(fan.syncsPerSecond, 1)} syncs/s`, target: '-' },
      {
        benchmark: 'fan-out: worker process peak RSS',
        result: `${fixed(fan.workerPeakRssMb)} MB (before ${fixed(fan.workerBaselineRssMb)} MB, ${fan.workerPeakSource})`,
        target: `< ${WORKER_RSS_TARGET_MB} MB`,
        pass: fan.workerPeakRssMb < WORKER_RSS_TARGET_MB,
      },
      {
        benchmark: 'fan-out: bench process RSS (sandbox, client, generator)',
        result: `peak ${fixed(fan.benchPeakRssMb)} MB (before ${fixed(fan.benchBaselineRssMb)} MB)`,
        target: '- (not the worker)',
      },
    );
    if (only !== 'fanout') await otherBenchmarks(servers, rows, whileLimited);
  } finally {
    await servers.stop();
    printTable(rows, started);
  }
}

function printTable(rows: BenchRow[], started: number): void {
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  process.stdout.write(
    `node ${process.version}, ${quick ? 'BENCH_QUICK' : 'full'}${only ? ` (${only} only)` : ''} run in ` +
      `${fixed((Date.now() - started) / 1000)} s; the fan-out's worker runs in a child process ` +
      `(bench/worker-process.ts), the other benchmarks' workers in the bench process with the sandbox and the ` +
      `client; Temporal and Firestore run as local dev servers.\n`,
  );
}

/** Runs the sections (all, or the one named); their requests while rate-limited get a row of their own. */
async function runSections(servers: BenchServers, rows: BenchRow[], name?: string): Promise<number> {
  let whileLimited = 0;
  const figures: Record<string, number> = {};
  for (const section of sections().filter((s) => name === undefined || s.name === name)) {
    say(`section ${section.name}`);
    await section.run({
      servers,
      quick,
      say,
      rows,
      figures,
      addWhileLimited: (n) => (whileLimited += n),
    });
  }
  return whileLimited;
}

/** Every benchmark after the fan-out; `whileLimited` carries the fan-out's requests made while rate-limited. */
async function otherBenchmarks(servers: BenchServers, rows: BenchRow[], whileLimited: number): Promise<void> {
  {
    whileLimited += await runSections(servers, rows);
    say(`sync latency: ${plan.latencyRuns} manual and incremental syncs of an unchanged 45-video account`);
    const latency = await benchSyncLatency(servers, { runs: plan.latencyRuns });
    whileLimited += latency.requestsWhileLimited;
    rows.push(
      {
        benchmark: 'manual sync, unchanged account, warm worker: p50',
        result: `${fixed(latency.manualP50Ms)} ms`,
        target: '< 1000 ms',
        pass: latency.manualP50Ms < 1_000,
      },
      {
        benchmark: 'manual sync, unchanged account, warm worker: p95',
        result: `${fixed(latency.manualP95Ms)} ms`,
        target: '< 5000 ms (seed limit)',
        pass: latency.manualP95Ms < 5_000,
      },
      {
        benchmark: 'incremental sync, unchanged account: p50 / p95',
        result: `${fixed(latency.incrementalP50Ms)} / ${fixed(latency.incrementalP95Ms)} ms`,
        target: '-',
      },
      {
        benchmark: 'API calls per incremental sync vs paging minimum',
        result: `${latency.incrementalCalls} vs ${latency.minimumCalls} (x${fixed(latency.incrementalCalls / latency.minimumCalls, 2)})`,
        target: 'x1.00',
        pass: latency.incrementalCalls <= latency.minimumCalls,
      },
    );

    say(`initial sync of a ${plan.initialItems}-video account, no limits in the way`);
    const initial = await benchInitialThroughput(servers, { items: plan.initialItems });
    rows.push({
      benchmark: `initial sync, ${initial.items} items: items/s into Firestore`,
      result: `${fixed(initial.itemsPerSecond)} items/s (${fixed(initial.seconds, 1)} s, ${initial.calls} calls)`,
      target: '-',
    });

    const s = plan.saturation;
    say(`saturated backfill: budget ${s.limit} calls / ${s.windowMs} ms, measured over ${s.windows} windows`);
    const saturation = await benchSaturatedBackfill(servers, s);
    whileLimited += saturation.requestsWhileLimited;
    rows.push(
      {
        benchmark: `share of rate budget used, saturated backfill (${s.limit}/${s.windowMs / 1000} s x ${s.windows})`,
        result: `${fixed(saturation.share * 100, 1)} % (${saturation.calls} calls)`,
        target: '>= 90 %',
        pass: saturation.share >= 0.9,
      },
      {
        benchmark: 'requests made while rate-limited (all runs above)',
        result: String(whileLimited),
        target: '0',
        pass: whileLimited === 0,
      },
    );

    say(`webhook intake: ${plan.webhookRequests} signed deliveries`);
    const webhooks = await benchmarkWebhooks({ requests: plan.webhookRequests });
    say(formatWebhookBench(webhooks));
    rows.push(
      {
        benchmark: 'webhook intake, HTTP layer alone (in-memory stores, bench/webhooks.ts)',
        result: `${webhooks.requestsPerSecond} req/s, p99 ${webhooks.p99Ms} ms`,
        target: '-',
      },
      {
        benchmark: 'webhook events lost / forged delivered',
        result: `${webhooks.lost} / ${webhooks.forgedDelivered}`,
        target: '0 / 0',
        pass: webhooks.lost === 0 && webhooks.forgedDelivered === 0,
      },
    );

    say('webhooks end to end on the real stack (store, Temporal, Firestore, sandbox)');
    rows.push(...webhooksEndToEndRows(await benchmarkWebhooksEndToEnd({ servers, progress: say })));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
