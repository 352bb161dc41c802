/**
 * Issue 13's sync-engine measurements, each on a fresh world of the same seed (bench/multi-platform.ts), so every
 * figure of one run is taken on identical data:
 * - `benchInitialAll`: initial sync of every connection (users x 3 platforms) through socialsync, at a given delay
 *   and transient-error rate: wall time, platform calls, accuracy, requests while rate-limited; then, with
 *   `manualRuns`, manual syncs of each platform's first connection after a new, a changed and a deleted item
 *   (warm worker, no injected errors), and the accuracy after them.
 * - `benchPlainLoop`: the call-plan-equal sequential loop (bench/plain-loop.ts: socialsync's connectors, one call
 *   after another) on the same world and faults: what orchestration alone buys.
 * - `benchSeedLoop`: the seed-literal sequential loop (bench/seed-loop.ts: plain axios calls to the documented
 *   endpoints, as the seed plan writes them) on the same world and faults: the baseline issue 13's 5x is judged on.
 * Nothing here asserts; bench/run.ts prints the figures beside their targets.
 */
import type { BenchServers } from './engine-env';
import {
  BENCH_PLATFORMS,
  itemCount,
  startMultiBench,
  type Accuracy,
  type BenchConnection,
  type FaultPlan,
  type MultiBenchOptions,
} from './multi-platform';
import { plainSyncAll, type PlainUser } from './plain-loop';
import { seedSyncAll } from './seed-loop';
import { percentile } from './sync-benchmarks';
import type { BenchSection } from './sections';
import { formatProfile, profileSync, sumProfiles } from './profile';
import type { PlatformId } from '../src/domain';

export interface Issue13Plan extends FaultPlan {
  users: number;
  itemsPerAccount: number;
  seed?: number;
}

export interface InitialAllResult {
  connections: number;
  items: number;
  seconds: number;
  /** Requests the sandboxes received during the syncs. */
  calls: number;
  callsByPlatform: Partial<Record<PlatformId, number>>;
  accuracy: Accuracy;
  requestsWhileLimited: number;
  /** Syncs that did not complete. */
  failed: number;
  /** Where the syncs' time went (bench/profile.ts), one line per platform. */
  profile: string[];
  /** Manual syncs after new, changed and deleted items, per platform (ms, sorted). */
  manualMs?: Partial<Record<PlatformId, number[]>>;
  /** Accuracy after the manual syncs. */
  manualAccuracy?: Accuracy;
}

export interface PlainLoopResult {
  items: number;
  seconds: number;
  calls: number;
  accuracy: Accuracy;
  requestsWhileLimited: number;
  callsByPlatform: Partial<Record<PlatformId, number>>;
  /** Platform syncs that failed (and were skipped, as in the seed). */
  failed: number;
  /** Their messages (the seed's console.error lines). */
  errors: string[];
}

function callsByPlatform(bench: Awaited<ReturnType<typeof startMultiBench>>) {
  const out: Partial<Record<PlatformId, number>> = {};
  for (const p of BENCH_PLATFORMS) out[p] = bench.sandboxes[p].sandbox.log.stats().total;
  return out;
}

/** The platform requests made from now on: in all, per platform, and while the caller was rate-limited. */
function requestMeter(bench: Awaited<ReturnType<typeof startMultiBench>>) {
  const before = bench.requests();
  const beforeBy = callsByPlatform(bench);
  return () => {
    const after = bench.requests();
    const afterBy = callsByPlatform(bench);
    return {
      calls: after.total - before.total,
      callsByPlatform: Object.fromEntries(
        BENCH_PLATFORMS.map((p) => [p, (afterBy[p] ?? 0) - (beforeBy[p] ?? 0)]),
      ) as Partial<Record<PlatformId, number>>,
      requestsWhileLimited: after.whileLimited - before.whileLimited,
    };
  };
}

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}/_sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export async function benchInitialAll(
  servers: BenchServers,
  plan: Issue13Plan & { manualRuns?: number; engine?: MultiBenchOptions['engine'] },
): Promise<InitialAllResult> {
  const bench = await startMultiBench(servers, plan);
  try {
    const connections = await bench.authorizeAll();
    // Warm workers and emulator (one initial sync per platform on an account not measured), like a running service.
    bench.setFaults({ latencyMs: plan.latencyMs, errorRate: 0 });
    await Promise.all(
      (await bench.authorizeWarmUp()).map(async (c) => {
        const run = await bench.engine.syncService.connect({ ...c.key, accountId: c.accountId });
        await bench.syncResult(run.workflowId, run.runId);
      }),
    );
    bench.setFaults(plan);
    const requests = requestMeter(bench);
    const started = performance.now();
    const handles: { platform: PlatformId; workflowId: string; runId: string; connectedMs: number }[] = [];
    const runs = await Promise.all(
      connections.map(async (c) => {
        const run = await bench.engine.syncService.connect({ ...c.key, accountId: c.accountId });
        handles.push({ platform: c.key.platform, ...run, connectedMs: performance.now() - started });
        return bench.syncResult(run.workflowId, run.runId).then(
          () => true,
          () => false,
        );
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // Where the time went: each platform's syncs, from their Temporal histories.
    const profile: string[] = [
      `connect() returned after ${Math.max(...handles.map((h) => h.connectedMs)).toFixed(0)} ms at most`,
    ];
    for (const p of BENCH_PLATFORMS) {
      const mine = handles.filter((h) => h.platform === p);
      const each = await Promise.all(
        mine.map((h) => profileSync(bench.engine.client, h.workflowId, h.runId)),
      );
      profile.push(formatProfile(`${p} (${mine.length} syncs, summed)`, sumProfiles(each)));
    }
    const made = requests();
    bench.setFaults({ latencyMs: plan.latencyMs, errorRate: 0 });
    const result: InitialAllResult = {
      connections: connections.length,
      items: itemCount(bench, connections),
      seconds,
      ...made,
      accuracy: await bench.accuracy(connections),
      failed: runs.filter((ok) => !ok).length,
      profile,
    };
    if (plan.manualRuns) {
      result.manualMs = await manualSyncs(bench, connections, plan.manualRuns);
      result.manualAccuracy = await bench.accuracy(connections);
      result.requestsWhileLimited = requests().requestsWhileLimited;
    }
    return result;
  } finally {
    await bench.close();
  }
}

/**
 * Per platform, on its first connection: a new item, a changed one and a deleted one at the sandbox, then a manual
 * sync (sync now + wait), `runs` times after one warm-up. The workers are warm from the initial syncs.
 */
async function manualSyncs(
  bench: Awaited<ReturnType<typeof startMultiBench>>,
  connections: BenchConnection[],
  runs: number,
): Promise<Partial<Record<PlatformId, number[]>>> {
  const out: Partial<Record<PlatformId, number[]>> = {};
  for (const platform of BENCH_PLATFORMS) {
    const c = connections.find((x) => x.key.platform === platform)!;
    const { url, sandbox } = bench.sandboxes[platform];
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const kind = platform === 'instagram' ? 'posts' : platform === 'twitter' ? 'tweets' : 'videos';
      const items = sandbox.groundTruth(c.accountId).items[kind] ?? [];
      const [changed, deleted] = [items[1], items[2]];
      await control(url, 'POST', `/accounts/${c.accountId}/items`, { text: `bench new ${i}` });
      if (changed)
        await control(url, 'PATCH', `/accounts/${c.accountId}/items/${changed.id}`, {
          text: `bench changed ${i}`,
        });
      if (deleted) await control(url, 'DELETE', `/accounts/${c.accountId}/items/${deleted.id}`);
      const started = performance.now();
      await bench.engine.syncService.syncNowAndWait(c.key);
      if (i > 0) times.push(performance.now() - started); // the first is the warm-up
    }
    out[platform] = times.sort((a, b) => a - b);
  }
  return out;
}

/** A sequential loop over the users (`plainSyncAll` or `seedSyncAll`): its deps and users in, failed syncs out. */
type SequentialLoop = (deps: LoopDeps, users: PlainUser[]) => Promise<number>;
type LoopDeps = Parameters<typeof plainSyncAll>[0];

/**
 * One sequential loop on a fresh world of the plan: the same warm-up as socialsync's (the loop once over the
 * accounts not measured), then every user with the plan's faults.
 */
async function benchLoop(
  servers: BenchServers,
  plan: Issue13Plan,
  loop: SequentialLoop,
): Promise<PlainLoopResult> {
  const bench = await startMultiBench(servers, { ...plan, workers: 'none' });
  try {
    const connections = await bench.authorizeAll();
    const users: PlainUser[] = [];
    for (let i = 0; i < plan.users; i++) {
      const user: PlainUser = {};
      for (const p of BENCH_PLATFORMS) user[p] = connections.filter((c) => c.key.platform === p)[i];
      users.push(user);
    }
    const errors: string[] = [];
    const deps: LoopDeps = {
      config: bench.config,
      sink: bench.engine.store.sink,
      now: () => bench.sandboxes.clock.now(),
      onError: (m: string) => errors.push(m),
    };
    bench.setFaults({ latencyMs: plan.latencyMs, errorRate: 0 });
    const warm = await bench.authorizeWarmUp();
    await loop(deps, [Object.fromEntries(warm.map((c) => [c.key.platform, c]))]);
    errors.length = 0;
    bench.setFaults(plan);
    const requests = requestMeter(bench);
    const started = performance.now();
    const failed = await loop(deps, users);
    const seconds = (performance.now() - started) / 1000;
    const made = requests();
    bench.setFaults({ latencyMs: 0, errorRate: 0 });
    return {
      items: itemCount(bench, connections),
      seconds,
      ...made,
      accuracy: await bench.accuracy(connections),
      failed,
      errors,
    };
  } finally {
    await bench.close();
  }
}

/** The call-plan-equal loop (bench/plain-loop.ts): socialsync's connectors, sequential, no retries. */
export function benchPlainLoop(servers: BenchServers, plan: Issue13Plan): Promise<PlainLoopResult> {
  return benchLoop(servers, plan, plainSyncAll);
}

/** The seed-literal loop (bench/seed-loop.ts): plain axios calls to the documented endpoints, sequential. */
export function benchSeedLoop(servers: BenchServers, plan: Issue13Plan): Promise<PlainLoopResult> {
  return benchLoop(servers, plan, seedSyncAll);
}

const pct = (a: Accuracy) => `${(Math.floor(a.ratio * 1000) / 10).toFixed(1)} %`;
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const s1 = (n: number) => `${n.toFixed(1)} s`;

/**
 * Issue 13 (items 2, 3, 4, 6): socialsync against the seed-literal loop (the 5x target) and the call-plan-equal plain
 * loop, fault-free and at 5 % transient errors.
 */
export const issue13Section: BenchSection = {
  name: 'issue13',
  async run({ servers, quick, say, rows, addWhileLimited, figures }) {
    const base = {
      users: quick ? 2 : 5,
      itemsPerAccount: Number(process.env.BENCH_ITEMS_PER_ACCOUNT) || (quick ? 120 : 275),
      latencyMs: 20,
    };
    const manualRuns = quick ? 4 : 6;
    const label = `${base.users} users x 3 platforms, ${base.latencyMs} ms per call`;
    say(`issue 13: initial sync of ${label}, 0 % errors, then ${manualRuns} manual syncs per platform`);
    const clean = await benchInitialAll(servers, { ...base, errorRate: 0, manualRuns });
    say(`issue 13: initial sync, 5 % errors`);
    const faulty = await benchInitialAll(servers, { ...base, errorRate: 0.05 });
    say(`issue 13: plain loop, 0 % errors`);
    const plain = await benchPlainLoop(servers, { ...base, errorRate: 0 });
    say(`issue 13: plain loop, 5 % errors`);
    const plainFaulty = await benchPlainLoop(servers, { ...base, errorRate: 0.05 });
    say(`issue 13: seed-literal loop, 0 % errors`);
    const seed = await benchSeedLoop(servers, { ...base, errorRate: 0 });
    say(`issue 13: seed-literal loop, 5 % errors`);
    const seedFaulty = await benchSeedLoop(servers, { ...base, errorRate: 0.05 });
    for (const [name, r] of [
      ['seed-literal loop 0 %', seed],
      ['plain loop 0 %', plain],
    ] as const) {
      if (r.errors.length > 0) say(`issue 13: ${name} failures: ${r.errors.join(' | ')}`);
      if (r.accuracy.mismatches.length > 0)
        say(`issue 13: ${name} mismatches: ${r.accuracy.mismatches.join(' | ')}`);
    }
    addWhileLimited(clean.requestsWhileLimited + faulty.requestsWhileLimited);
    for (const line of clean.profile) say(`issue 13 profile, 0 %: ${line}`);
    for (const line of faulty.profile) say(`issue 13 profile, 5 %: ${line}`);
    for (const [name, a] of [
      ['socialsync 0 %', clean.accuracy],
      ['socialsync 5 %', faulty.accuracy],
      ['after manual syncs', clean.manualAccuracy],
    ] as const)
      if (a && a.mismatches.length > 0) say(`issue 13: ${name} mismatches: ${a.mismatches.join(' | ')}`);
    figures.plainLoopSeconds = plain.seconds;
    figures.plainLoopCalls = plain.calls;
    figures.initialSeconds = clean.seconds;
    figures.initialCalls = clean.calls;
    figures.seedLoopSeconds = seed.seconds;
    figures.seedLoopCalls = seed.calls;

    const speedup = plain.seconds / clean.seconds;
    const seedSpeedup = seed.seconds / clean.seconds;
    const wallRatio = faulty.seconds / clean.seconds;
    const callRatio = faulty.calls / clean.calls;
    const byPlatform = (r: { callsByPlatform: Partial<Record<PlatformId, number>> }) =>
      BENCH_PLATFORMS.map((p) => `${p} ${r.callsByPlatform[p] ?? 0}`).join(', ');
    const lost = (r: PlainLoopResult) => `${r.failed} of ${clean.connections} platform syncs lost`;
    rows.push(
      {
        benchmark: `initial sync, ${label}: items / connections`,
        result: `${clean.items} items / ${clean.connections} connections`,
        target: '~3,900 / 15 (owners)',
      },
      {
        benchmark: 'initial sync, 0 % errors: wall time vs seed-literal loop (call-plan-equal loop)',
        result: `${s1(clean.seconds)}: seed loop ${s1(seed.seconds)}, ${x(seedSpeedup)} faster (plain ${s1(plain.seconds)}, ${x(speedup)})`,
        target: '>= 5x seed loop',
        pass: seedSpeedup >= 5,
      },
      {
        benchmark: 'initial sync, 0 % errors: wall time (plain loop)',
        result: `${s1(clean.seconds)} (plain ${s1(plain.seconds)}, ${x(speedup)} faster)`,
        target: '- (same calls)',
      },
      {
        benchmark: 'initial sync, 0 % errors: platform calls (plain loop)',
        result: `${clean.calls} (plain ${plain.calls}, ${x(clean.calls / plain.calls)}); ${byPlatform(clean)}`,
        target: '-',
      },
      {
        benchmark: 'initial sync, 0 % errors: accuracy (plain loop)',
        result: `${pct(clean.accuracy)} of ${clean.accuracy.expected} records (plain ${pct(plain.accuracy)})`,
        target: '100.0 %',
        pass: clean.accuracy.correct === clean.accuracy.expected && clean.failed === 0,
      },
      {
        benchmark: 'initial sync, 5 % errors: wall time vs 0 % (plain loop)',
        result: `${s1(faulty.seconds)}, ${x(wallRatio)} (plain ${s1(plainFaulty.seconds)}, ${x(plainFaulty.seconds / faulty.seconds)} socialsync)`,
        target: '<= 1.50x',
        pass: wallRatio <= 1.5,
      },
      {
        benchmark: 'initial sync, 5 % errors: platform calls vs 0 % (plain loop)',
        result: `${faulty.calls}, ${x(callRatio)} (plain ${plainFaulty.calls}); ${byPlatform(faulty)}`,
        target: '<= 1.20x',
        pass: callRatio <= 1.2,
      },
      {
        benchmark: 'initial sync, 5 % errors: accuracy (plain loop)',
        result: `${pct(faulty.accuracy)} (plain ${pct(plainFaulty.accuracy)}, ${lost(plainFaulty)})`,
        target: '100.0 %',
        pass: faulty.accuracy.correct === faulty.accuracy.expected && faulty.failed === 0,
      },
      {
        benchmark: 'vs seed-literal loop, 5 % errors: wall time',
        // The loop is quick here because it gives up: a failed platform is skipped, as in the seed.
        result: `${s1(faulty.seconds)}: seed loop ${s1(seedFaulty.seconds)}, ${x(seedFaulty.seconds / faulty.seconds)} (skips failed platforms)`,
        target: '-',
      },
      {
        benchmark: 'vs seed-literal loop: platform calls, 0 % / 5 % errors',
        result: `${clean.calls} / ${faulty.calls}: seed loop ${seed.calls} / ${seedFaulty.calls}; seed 0 %: ${byPlatform(seed)}`,
        target: '-',
      },
      {
        benchmark: 'vs seed-literal loop: accuracy, 0 % / 5 % errors',
        result: `${pct(clean.accuracy)} / ${pct(faulty.accuracy)}: seed loop ${pct(seed.accuracy)} (${lost(seed)}) / ${pct(seedFaulty.accuracy)} (${lost(seedFaulty)})`,
        target: 'seed loop 100.0 % at 0 %',
        pass: seed.accuracy.correct === seed.accuracy.expected && seed.failed === 0,
      },
      {
        benchmark: 'initial sync: requests while rate-limited, 0 % / 5 % (plain loop)',
        result: `${clean.requestsWhileLimited} / ${faulty.requestsWhileLimited} (plain ${plain.requestsWhileLimited} / ${plainFaulty.requestsWhileLimited})`,
        target: '0',
        pass: clean.requestsWhileLimited + faulty.requestsWhileLimited === 0,
      },
    );
    for (const p of BENCH_PLATFORMS) {
      const times = clean.manualMs?.[p] ?? [];
      const p50 = percentile(times, 0.5);
      rows.push({
        benchmark: `manual sync after new+changed+deleted item, ${p}, warm worker: p50 (max)`,
        result: `${p50.toFixed(0)} ms (${(times.at(-1) ?? NaN).toFixed(0)} ms, ${times.length} runs)`,
        target: '< 1000 ms',
        pass: p50 < 1_000,
      });
    }
    if (clean.manualAccuracy)
      rows.push({
        benchmark: 'accuracy after the manual syncs',
        result: pct(clean.manualAccuracy),
        target: '100.0 %',
        pass: clean.manualAccuracy.correct === clean.manualAccuracy.expected,
      });
  },
};
