/**
 * Webhook intake throughput: signed TikTok deliveries POSTed over real HTTP (keep-alive, N in flight) to the real
 * app (`createApp`) with the real TikTok signature verification and parsing, account lookup, dedupe and hand-off.
 * The stores and the sync engine behind the hand-off are in memory here, so the number measures the HTTP service
 * itself; every accepted event is checked against what reached the hand-off ("lost" must be 0), and a share of
 * forged deliveries checks that rejection stays cheap and never reaches it.
 *
 * `npm run bench` runs it through bench/run.ts; `tsx bench/webhooks.ts [requests] [concurrency]` runs it alone.
 */
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { Registry } from 'prom-client';
import { createTikTokConnector } from '../src/platforms/tiktok';
import type { PlatformId, WebhookEvent } from '../src/platforms/types';
import { silentLogger } from '../src/shared/logger';
import type { AccountIndex, TokenStore } from '../src/store/types';
import type { SyncService } from '../src/sync/service';
import { createApp, serve } from '../src/webhooks';
import type { OAuthStateStore, WebhookDedupe } from '../src/store';
import type { ConnectionKey } from '../src/domain';
import { webhookEventId } from '../src/platforms/tiktok/webhook';
import { signature } from '../src/sandbox/tiktok/webhooks';
import { paths } from '../src/store/paths';
import {
  connectionStatusQuery,
  connectionWorkflowId,
  webhookEventsSignal,
  type ConnectionQueryResult,
} from '../src/workflows/definitions';
import { startBenchServers, type BenchServers } from './engine-env';
import { startBenchScaleOutStack, type BenchScaleOutStack } from './http-env';
import { fixed, formatTable, type BenchRow } from './table';

export interface WebhookBenchOptions {
  requests?: number;
  concurrency?: number;
  /** Connected accounts the events are spread over. */
  accounts?: number;
  /** Every n-th request carries a forged signature (0 = none). */
  forgedEvery?: number;
}

export interface WebhookBenchResult {
  requests: number;
  concurrency: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  accepted: number;
  rejected: number;
  failed: number;
  /** Accepted events that never reached the sync engine hand-off. */
  lost: number;
  /** Forged deliveries that reached the hand-off (must be 0). */
  forgedDelivered: number;
}

const CLIENT_KEY = 'bench-client';
const CLIENT_SECRET = 'bench-secret';

export async function benchmarkWebhooks(options: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const { requests = 5_000, concurrency = 50, accounts = 100, forgedEvery = 10 } = options;
  const delivered = new Set<string>();
  const remembered = new Set<string>();

  const accountIndex: AccountIndex = {
    put: async () => undefined,
    remove: async () => undefined,
    find: async (platform: PlatformId, accountId: string): Promise<ConnectionKey[]> => [
      { userId: `user-${accountId}`, platform },
    ],
  };
  const dedupe: WebhookDedupe = {
    seen: async (key, ids) => new Set(ids.filter((id) => remembered.has(`${key.userId}:${id}`))),
    remember: async (key, ids) => ids.forEach((id) => remembered.add(`${key.userId}:${id}`)),
  };
  const syncService: Pick<SyncService, 'deliverWebhookEvents'> = {
    deliverWebhookEvents: async (_key: ConnectionKey, events: WebhookEvent[]) => {
      for (const e of events) delivered.add(e.itemId ?? e.eventId);
    },
  };
  const unused = () => Promise.reject(new Error('not used by the webhook benchmark'));
  const connector = createTikTokConnector({
    clientKey: CLIENT_KEY,
    clientSecret: CLIENT_SECRET,
    authorizeUrl: 'https://www.tiktok.com/v2/auth/authorize/',
    apiUrl: 'http://127.0.0.1:9',
    callsPerMinute: 600,
  });
  const app = createApp({
    config: { PUBLIC_BASE_URL: 'http://127.0.0.1', ADMIN_API_KEY: undefined, PORT: 0 },
    connectors: { tiktok: connector },
    tokenStore: {
      save: unused,
      load: unused,
      delete: unused,
      rotateKeys: unused,
      acquireRefreshLease: unused,
      releaseRefreshLease: unused,
    } as TokenStore,
    accountIndex,
    oauthStates: { create: unused, consume: unused } as OAuthStateStore,
    dedupe,
    syncService: syncService as SyncService,
    idTokens: { verifyIdToken: unused },
    readiness: [],
    registry: new Registry(),
    logger: silentLogger,
  });
  const service = await serve({ app, port: 0, host: '127.0.0.1', logger: silentLogger });

  const latencies: number[] = [];
  const forgedIds = new Set<string>();
  let accepted = 0;
  let rejected = 0;
  let failed = 0;
  const acceptedIds: string[] = [];

  const send = async (i: number): Promise<void> => {
    const videoId = String(7_000_000_000_000_000_000n + BigInt(i));
    const forged = forgedEvery > 0 && i % forgedEvery === forgedEvery - 1;
    const t = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      client_key: CLIENT_KEY,
      event: 'video.publish.completed',
      create_time: t,
      user_openid: `open-${i % accounts}`,
      content: JSON.stringify({ video_id: videoId }),
    });
    const mac = createHmac('sha256', forged ? 'not-the-secret' : CLIENT_SECRET)
      .update(`${t}.${body}`)
      .digest('hex');
    const started = performance.now();
    const res = await fetch(`${service.url}/webhooks/tiktok`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tiktok-signature': `t=${t},s=${mac}` },
      body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    if (forged) forgedIds.add(videoId);
    if (res.status === 200) {
      accepted += 1;
      acceptedIds.push(videoId);
    } else if (res.status === 401 || res.status === 400) rejected += 1;
    else failed += 1;
  };

  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await service.close({ graceMs: 1_000 });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) /
    100;
  return {
    requests,
    concurrency,
    seconds: Math.round(seconds * 1000) / 1000,
    requestsPerSecond: Math.round(requests / seconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    accepted,
    rejected,
    failed,
    lost: acceptedIds.filter((id) => !delivered.has(id)).length,
    forgedDelivered: [...forgedIds].filter((id) => delivered.has(id)).length,
  };
}

export function formatWebhookBench(r: WebhookBenchResult): string {
  return [
    `webhook intake (TikTok, signature verified): ${r.requests} requests, ${r.concurrency} in flight`,
    `  ${r.requestsPerSecond} req/s over ${r.seconds} s, latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`,
    `  accepted ${r.accepted}, rejected (forged) ${r.rejected}, failed ${r.failed}, lost ${r.lost}, forged delivered ${r.forgedDelivered}`,
  ].join('\n');
}

/* ------------------------------------------------------------------------------------------------------------ *
 * The real stack, scaled out: N HTTP instance processes (bench/http-env.ts) behind one Temporal dev server and one
 * Firestore emulator, a worker process, and this process as the platform (load generator + TikTok sandbox). The
 * figure that does not depend on how busy the shared machine is: CPU seconds per 1,000 accepted events, per process
 * (utime + stime from /proc/<pid>/stat), so the cost of the HTTP service is seen apart from the dev servers'.
 * ------------------------------------------------------------------------------------------------------------ */

export interface WebhookScaleOutOptions {
  /** Servers to run on (bench/run.ts shares its own); default: start a Temporal dev server and an emulator. */
  servers?: BenchServers;
  /** One run per entry: how many HTTP instances take the load (round robin, like a load balancer); default [1, 2]. */
  instances?: number[];
  /** One run per entry and instance count: deliveries in flight; default [50, 200]. */
  concurrency?: number[];
  /** Signed deliveries per run, redeliveries included; default 3,000 (quick: 1,000). */
  requests?: number;
  /** Fresh connections per run, each its own sandbox account; default 10. */
  accounts?: number;
  /** Every n-th event is delivered a second time after its first answer (a platform retry); default 10. */
  redeliverEvery?: number;
  /** pino level of the HTTP instances; default info, as in production. */
  logLevel?: string;
  /**
   * What the deliveries announce: `publish` (`video.publish.completed`, each idle connection syncs at once and events
   * during a sync coalesce into one follow-up) or `upload_failed` (`video.upload.failed`: recorded by the workflow,
   * no sync), which isolates the intake's own cost from the syncs it causes. Default publish.
   */
  events?: 'publish' | 'upload_failed';
  quick?: boolean;
  progress?: (message: string) => void;
}

/** CPU seconds a group of processes spent. */
export interface CpuSplit {
  http: number;
  worker: number;
  temporal: number;
  firestore: number;
  /** This process: load generator, TikTok sandbox (syncs the events trigger) and the checks' reads. */
  client: number;
}

export interface WebhookScaleOutRun {
  events: 'publish' | 'upload_failed';
  instances: number;
  concurrency: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  accepted: number;
  failed: number;
  rejected: number;
  distinctEvents: number;
  redeliveries: number;
  redeliveriesAnsweredDuplicate: number;
  /** Growth of the workflows' `seenEventCount` (must equal distinctEvents). */
  engineSaw: number;
  /** Accepted events the workflow never saw, or without a dedupe record in Firestore. */
  lost: number;
  countedTwice: number;
  /** CPU seconds per 1,000 accepted requests, from the start of the load until every connection was idle again. */
  cpuPer1000: CpuSplit;
  /** The `http` part of `cpuPer1000`, per HTTP instance that took load (how the service's cost splits). */
  httpPerInstance: number[];
  /** Cores each group kept busy during the load window. */
  coresDuringLoad: CpuSplit;
  /** Cores each group kept busy in the 3 s before the load, with nothing to do (background cost). */
  coresIdle: CpuSplit;
  /** `webhookEvents` signals the connection workflows received from the first delivery until idle (their histories). */
  signals: number;
  /** Workflow tasks the connection workflows completed in that time (a signal wakes one unless it joins a task). */
  workflowTasks: number;
}

export interface WebhookScaleOutResult {
  runs: WebhookScaleOutRun[];
  setupSeconds: number;
  cores: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process in seconds (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Processes whose command line names `port` (a dev server, its launcher and the JVM it starts). */
function pidsServing(port: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a === port || a.endsWith(`=${port}`) || a.endsWith(`:${port}`)))
        pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function cpuNow(groups: Record<keyof CpuSplit, number[] | 'self'>): CpuSplit {
  const sum = (pids: number[] | 'self') =>
    pids === 'self'
      ? (() => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1e6;
        })()
      : pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  return {
    http: sum(groups.http),
    worker: sum(groups.worker),
    temporal: sum(groups.temporal),
    firestore: sum(groups.firestore),
    client: sum(groups.client),
  };
}

function cpuDelta(a: CpuSplit, b: CpuSplit, scale: number): CpuSplit {
  return {
    http: (b.http - a.http) * scale,
    worker: (b.worker - a.worker) * scale,
    temporal: (b.temporal - a.temporal) * scale,
    firestore: (b.firestore - a.firestore) * scale,
    client: (b.client - a.client) * scale,
  };
}

const cpuTotal = (c: CpuSplit) => c.http + c.worker + c.temporal + c.firestore + c.client;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export async function benchmarkWebhookScaleOut(
  options: WebhookScaleOutOptions = {},
): Promise<WebhookScaleOutResult> {
  const quick = options.quick ?? process.env.BENCH_QUICK === '1';
  const progress = options.progress ?? ((m: string) => process.stderr.write(`[bench] ${m}\n`));
  const instanceCounts = options.instances ?? [1, 2];
  const concurrencies = options.concurrency ?? [50, 200];
  const requests = options.requests ?? (quick ? 1_000 : 3_000);
  const accounts = options.accounts ?? 10;
  const redeliverEvery = options.redeliverEvery ?? 10;
  const started = performance.now();
  const ownServers = !options.servers;
  const servers = options.servers ?? (await startBenchServers(progress));
  const runCount = instanceCounts.length * concurrencies.length;
  let stack: BenchScaleOutStack | undefined;
  try {
    stack = await startBenchScaleOutStack(servers, {
      accounts: accounts * runCount,
      itemsPerAccount: 5,
      instances: Math.max(...instanceCounts),
      logLevel: options.logLevel,
    });
    const s = stack;
    const groups: Record<keyof CpuSplit, number[] | 'self'> = {
      http: s.instancePids,
      worker: [s.workerPid],
      temporal: pidsServing(servers.temporalAddress.split(':').at(-1)!),
      firestore: pidsServing(servers.firestoreHost.split(':').at(-1)!),
      client: 'self',
    };
    const setupSeconds = (performance.now() - started) / 1000;
    const runs: WebhookScaleOutRun[] = [];
    const allAccounts = s.sandbox.accountIds();
    let runIndex = 0;
    for (const instances of instanceCounts) {
      for (const concurrency of concurrencies) {
        const accountIds = allAccounts.slice(runIndex * accounts, (runIndex + 1) * accounts);
        runIndex += 1;
        progress(`webhook scale-out: connecting ${accountIds.length} fresh accounts`);
        const keys: ConnectionKey[] = [];
        for (const accountId of accountIds) keys.push(await s.connect(accountId));
        await Promise.all(
          keys.map((key) =>
            until(`initial sync of ${key.userId}`, async () => {
              const doc = await s.sink.readConnection(key);
              return doc?.status === 'active' && (await idle(s, key));
            }),
          ),
        );
        progress(
          `webhook scale-out: ${requests} signed deliveries to ${instances} HTTP instance(s), ${concurrency} in flight`,
        );
        runs.push(
          await measureScaleOutRun(s, groups, keys, accountIds, {
            instances,
            concurrency,
            requests,
            redeliverEvery,
            events: options.events ?? 'publish',
          }),
        );
        const r = runs.at(-1)!;
        progress(
          `  ${Math.round(r.requestsPerSecond)} req/s, lost ${r.lost}, CPU s / 1,000 events: ${formatCpu(r.cpuPer1000)}; ` +
            `HTTP per instance ${r.httpPerInstance.map((c) => fixed(c, 2)).join(' + ')}; ` +
            `cores busy under load: ${formatCpu(r.coresDuringLoad)}; idle: ${formatCpu(r.coresIdle)}; ` +
            `${r.signals} signals, ${r.workflowTasks} workflow tasks`,
        );
      }
    }
    return { runs, setupSeconds, cores: os.availableParallelism() };
  } finally {
    await stack?.close();
    if (ownServers) await servers.stop();
  }
}

async function queryConnection(s: BenchScaleOutStack, key: ConnectionKey): Promise<ConnectionQueryResult> {
  return s.client.workflow.getHandle(connectionWorkflowId(key)).query(connectionStatusQuery);
}

/** No sync running or queued and no webhook events waiting for one. */
async function idle(s: BenchScaleOutStack, key: ConnectionKey): Promise<boolean> {
  const q = await queryConnection(s, key);
  return q.running === null && q.queued.length === 0 && q.pendingWebhookEvents === 0;
}

interface Delivery {
  key: ConnectionKey;
  body: string;
  eventId: string;
}

async function measureScaleOutRun(
  s: BenchScaleOutStack,
  groups: Record<keyof CpuSplit, number[] | 'self'>,
  keys: ConnectionKey[],
  accountIds: string[],
  opts: {
    instances: number;
    concurrency: number;
    requests: number;
    redeliverEvery: number;
    events: 'publish' | 'upload_failed';
  },
): Promise<WebhookScaleOutRun> {
  const { clientId, clientSecret } = s.sandbox.credentials;
  const k = opts.redeliverEvery;
  const distinct = k > 0 ? Math.round((opts.requests * k) / (k + 1)) : opts.requests;
  let redeliveriesLeft = opts.requests - distinct;
  const before = await Promise.all(keys.map((key) => queryConnection(s, key)));
  const run = randomUUID().slice(0, 8);
  const delivery = (i: number): Delivery => {
    const index = i % keys.length;
    // Synthetic video ids of this run; the bodies are byte for byte what the sandbox sends for a published video.
    const videoId = String(7_400_000_000_000_000_000n + BigInt(parseInt(run, 16)) * 100_000n + BigInt(i));
    const body = {
      client_key: clientId,
      event: opts.events === 'publish' ? 'video.publish.completed' : 'video.upload.failed',
      create_time: Math.floor(Date.now() / 1000),
      user_openid: accountIds[index]!,
      content: JSON.stringify(
        opts.events === 'publish'
          ? { share_id: `video.${videoId}.${videoId.slice(-8)}`, publish_type: 'DIRECT_PUBLISH' }
          : { share_id: `video.${videoId}.${videoId.slice(-8)}`, reason: 1 },
      ),
    };
    return { key: keys[index]!, body: JSON.stringify(body), eventId: webhookEventId(body) };
  };

  // Keep-alive sockets, as a platform's delivery fleet holds them; node:http is lighter on this process than fetch.
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const targets = s.urls.slice(0, opts.instances).map((u) => new URL(`${u}/webhooks/tiktok`));
  let sentCount = 0;
  const post = (d: Delivery): Promise<{ status: number; duplicates: number }> => {
    const t = Math.floor(Date.now() / 1000);
    const target = targets[sentCount++ % targets.length]!;
    return new Promise((resolve) => {
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(d.body),
            'TikTok-Signature': `t=${t},s=${signature(clientSecret, t, d.body)}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let duplicates = 0;
            try {
              duplicates =
                (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { duplicates?: number }).duplicates ??
                0;
            } catch {
              // Not JSON: counted by status alone.
            }
            resolve({ status: res.statusCode ?? 0, duplicates });
          });
          res.on('error', () => resolve({ status: 0, duplicates: 0 }));
        },
      );
      req.on('error', () => resolve({ status: 0, duplicates: 0 }));
      req.end(d.body);
    });
  };

  const latencies: number[] = [];
  const acceptedEvents = new Map<string, Delivery>();
  const sentEvents = new Map<string, Delivery>();
  let accepted = 0;
  let rejected = 0;
  let failed = 0;
  let redeliveries = 0;
  let answeredDuplicate = 0;
  const timed = async (d: Delivery) => {
    const at = performance.now();
    const r = await post(d);
    latencies.push(performance.now() - at);
    if (r.status === 200) {
      accepted += 1;
      acceptedEvents.set(d.eventId, d);
    } else if (r.status >= 400 && r.status < 500) rejected += 1;
    else failed += 1;
    return r;
  };

  const idleStart = cpuNow(groups);
  const idleAt = performance.now();
  await sleep(3_000);
  const cpuStart = cpuNow(groups);
  const instancePids = (groups.http as number[]).slice(0, opts.instances);
  const instancesStart = instancePids.map(cpuSeconds);
  const coresIdle = cpuDelta(idleStart, cpuStart, 1000 / (performance.now() - idleAt));
  const startedAt = performance.now();
  const startedEpochMs = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < distinct) {
        const i = next++;
        const d = delivery(i);
        sentEvents.set(d.eventId, d);
        const first = await timed(d);
        if (k > 0 && i % k === 0 && redeliveriesLeft > 0 && first.status === 200) {
          redeliveriesLeft -= 1;
          redeliveries += 1;
          if ((await timed(d)).duplicates === 1) answeredDuplicate += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuLoadEnd = cpuNow(groups);
  agent.destroy();

  // Everything the events caused (workflow tasks, the syncs they start) is part of their cost: wait until idle.
  const expected = (key: ConnectionKey, events: Map<string, Delivery>) =>
    [...events.values()].filter((d) => d.key.userId === key.userId).length;
  const grown = await Promise.all(
    keys.map(async (key, i) => {
      const want = expected(key, acceptedEvents);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const q = await queryConnection(s, key);
        const got = q.seenEventCount - before[i]!.seenEventCount;
        const settled = q.running === null && q.queued.length === 0 && q.pendingWebhookEvents === 0;
        if ((got >= want && settled) || Date.now() > deadline)
          return { got, want, max: expected(key, sentEvents) };
        await sleep(250);
      }
    }),
  );
  const cpuSettled = cpuNow(groups);
  const instancesSettled = instancePids.map(cpuSeconds);
  const histories = await Promise.all(keys.map((key) => connectionHistoryCounts(s, key, startedEpochMs)));
  let engineSaw = 0;
  let lostInEngine = 0;
  let countedTwice = 0;
  for (const g of grown) {
    engineSaw += g.got;
    lostInEngine += Math.max(0, g.want - g.got);
    countedTwice += Math.max(0, g.got - g.max);
  }
  const refs = [...acceptedEvents.values()].map((d) =>
    s.db.doc(paths.webhookEventDoc('tiktok', `${d.key.userId}|${d.eventId}`)),
  );
  let missingRecords = 0;
  for (let i = 0; i < refs.length; i += 300) {
    for (const snap of await s.db.getAll(...refs.slice(i, i + 300))) if (!snap.exists) missingRecords += 1;
  }

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length === 0
      ? NaN
      : latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
  return {
    events: opts.events,
    instances: opts.instances,
    concurrency: opts.concurrency,
    requests: distinct + redeliveries,
    seconds,
    requestsPerSecond: (distinct + redeliveries) / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    accepted,
    failed,
    rejected,
    distinctEvents: acceptedEvents.size,
    redeliveries,
    redeliveriesAnsweredDuplicate: answeredDuplicate,
    engineSaw,
    lost: Math.max(lostInEngine, missingRecords),
    countedTwice,
    cpuPer1000: cpuDelta(cpuStart, cpuSettled, accepted > 0 ? 1000 / accepted : NaN),
    httpPerInstance: instancePids.map(
      (_, i) => ((instancesSettled[i]! - instancesStart[i]!) * 1000) / accepted,
    ),
    coresDuringLoad: cpuDelta(cpuStart, cpuLoadEnd, 1 / seconds),
    coresIdle,
    signals: histories.reduce((a, h) => a + h.signals, 0),
    workflowTasks: histories.reduce((a, h) => a + h.workflowTasks, 0),
  };
}

const epochMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : 0;

/**
 * `webhookEvents` signals and completed workflow tasks in a connection workflow's history since `sinceMs`, over
 * its current run and the runs it continued from (a long history continues as new).
 */
async function connectionHistoryCounts(
  s: BenchScaleOutStack,
  key: ConnectionKey,
  sinceMs: number,
): Promise<{ signals: number; workflowTasks: number }> {
  const id = connectionWorkflowId(key);
  let runId = (await s.client.workflow.getHandle(id).describe()).runId;
  const counts = { signals: 0, workflowTasks: 0 };
  for (let runs = 0; runId && runs < 20; runs++) {
    const events = (await s.client.workflow.getHandle(id, runId).fetchHistory()).events ?? [];
    for (const e of events) {
      if (epochMs(e.eventTime) < sinceMs) continue;
      if (e.workflowExecutionSignaledEventAttributes?.signalName === webhookEventsSignal.name)
        counts.signals++;
      if (e.workflowTaskCompletedEventAttributes) counts.workflowTasks++;
    }
    const first = events[0];
    // The run began before the load: nothing earlier can count.
    if (!first || epochMs(first.eventTime) < sinceMs) break;
    runId = first.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '';
  }
  return counts;
}

function formatCpu(c: CpuSplit, digits = 2): string {
  return (
    `HTTP ${fixed(c.http, digits)}, worker ${fixed(c.worker, digits)}, Temporal ${fixed(c.temporal, digits)}, ` +
    `emulator ${fixed(c.firestore, digits)}, client+sandbox ${fixed(c.client, digits)} (total ${fixed(cpuTotal(c), digits)})`
  );
}

/**
 * What a run says about scaling out: the HTTP tier's own cost (its instances share nothing, so N instances carry N
 * times one instance's rate) beside the shared back end's (worker, Temporal, Firestore), which must grow with them.
 */
export interface ScaleOutArithmetic {
  /** HTTP CPU s per 1,000 events (all instances) and the deliveries one core of HTTP instances takes per second. */
  httpCpuPer1000: number;
  httpPerCore: number;
  /** Worker + Temporal + emulator CPU s per 1,000 events, and the deliveries one core of that back end takes. */
  backEndCpuPer1000: number;
  backEndPerCore: number;
  /** Deliveries per second all `cores` of this machine would carry with nothing else running (the platform's side excluded). */
  machineCeiling: number;
  /** Cores of HTTP instances and of back end that the target rate needs at this run's costs. */
  httpCoresForTarget: number;
  backEndCoresForTarget: number;
  /** Events per `webhookEvents` signal (the coalescing), and workflow tasks per signal. */
  eventsPerSignal: number;
  tasksPerSignal: number;
}

export function scaleOutArithmetic(run: WebhookScaleOutRun, cores: number): ScaleOutArithmetic {
  const c = run.cpuPer1000;
  const backEnd = c.worker + c.temporal + c.firestore;
  return {
    httpCpuPer1000: c.http,
    httpPerCore: 1000 / c.http,
    backEndCpuPer1000: backEnd,
    backEndPerCore: 1000 / backEnd,
    machineCeiling: (cores * 1000) / (c.http + backEnd),
    httpCoresForTarget: (WEBHOOK_INTAKE_TARGET_RPS * c.http) / 1000,
    backEndCoresForTarget: (WEBHOOK_INTAKE_TARGET_RPS * backEnd) / 1000,
    eventsPerSignal: run.signals > 0 ? run.engineSaw / run.signals : NaN,
    tasksPerSignal: run.signals > 0 ? run.workflowTasks / run.signals : NaN,
  };
}

/** Rows for bench/table.ts (bench/run.ts prints them): one req/s row and one CPU row per run, and the loss check. */
export function webhookScaleOutRows(r: WebhookScaleOutResult): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const run of r.runs) {
    const label =
      `${run.instances} HTTP instance${run.instances === 1 ? '' : 's'}, ${run.concurrency} in flight` +
      (run.events === 'publish' ? '' : ', events that start no sync');
    const a = scaleOutArithmetic(run, r.cores);
    rows.push(
      {
        benchmark: `webhook intake, real stack, ${label}: req/s`,
        result:
          `${fixed(run.requestsPerSecond)} req/s (${run.requests} req, p50 ${fixed(run.p50Ms)} / ` +
          `p99 ${fixed(run.p99Ms)} ms; cores busy: ${formatCpu(run.coresDuringLoad)})`,
        target: `>= ${WEBHOOK_INTAKE_TARGET_RPS} req/s`,
        pass: run.requestsPerSecond >= WEBHOOK_INTAKE_TARGET_RPS,
      },
      {
        benchmark: `webhook intake, real stack, ${label}: CPU s per 1,000 events`,
        result:
          formatCpu(run.cpuPer1000) +
          (run.instances > 1
            ? `; HTTP per instance ${run.httpPerInstance.map((c) => fixed(c, 2)).join(' + ')}`
            : '') +
          `; ${run.signals} signals (${fixed(a.eventsPerSignal, 1)} events and ${fixed(a.tasksPerSignal, 1)} workflow tasks each)`,
        target: '-',
      },
      {
        benchmark: `webhook intake, real stack, ${label}: scale-out arithmetic`,
        result:
          `HTTP tier ${fixed(a.httpCpuPer1000, 2)} CPU s / 1,000 → ${fixed(a.httpPerCore)} req/s per core of instances; ` +
          `back end (worker + Temporal + emulator) ${fixed(a.backEndCpuPer1000, 2)} → ${fixed(a.backEndPerCore)} req/s per core; ` +
          `this machine (${r.cores} cores, nothing else running) ≤ ${fixed(a.machineCeiling)} req/s; ` +
          `${WEBHOOK_INTAKE_TARGET_RPS} req/s needs ${fixed(a.httpCoresForTarget, 2)} cores of HTTP instances + ` +
          `${fixed(a.backEndCoresForTarget, 2)} cores of back end`,
        target: '-',
      },
      {
        benchmark: `webhook intake, real stack, ${label}: lost events`,
        result:
          `${run.lost} of ${run.distinctEvents} accepted (engine saw ${run.engineSaw}; ${run.redeliveries} ` +
          `redeliveries, ${run.redeliveriesAnsweredDuplicate} answered duplicate, ${run.countedTwice} counted twice; ` +
          `${run.failed} failed, ${run.rejected} rejected)`,
        target: '0 lost, 0 counted twice',
        pass: run.lost === 0 && run.countedTwice === 0 && run.failed === 0 && run.rejected === 0,
      },
    );
  }
  // The scale-out itself: each instance's CPU per delivery it served, 1 instance against N, at equal load.
  for (const many of r.runs.filter((x) => x.instances > 1)) {
    const one = r.runs.find(
      (x) => x.instances === 1 && x.concurrency === many.concurrency && x.events === many.events,
    );
    if (!one) continue;
    const served = many.httpPerInstance.map((c) => c * many.instances);
    rows.push({
      benchmark: `webhook intake, HTTP tier scaled out, ${many.concurrency} in flight: CPU ms per delivery served`,
      result:
        `1 instance ${fixed(one.cpuPer1000.http, 2)}; ${many.instances} instances ` +
        `${served.map((c) => fixed(c, 2)).join(' / ')} each, i.e. ${fixed(1000 / one.cpuPer1000.http)} → ` +
        `${fixed(served.reduce((t, c) => t + 1000 / c, 0))} req/s with one core per instance ` +
        `(the back end then needs ${fixed(scaleOutArithmetic(many, r.cores).backEndCpuPer1000, 2)} CPU s per 1,000)`,
      target: '-',
    });
  }
  return rows;
}

export const WEBHOOK_INTAKE_TARGET_RPS = 500;

export function formatWebhookScaleOut(r: WebhookScaleOutResult): string {
  return [
    formatTable(webhookScaleOutRows(r)),
    '',
    `${r.cores} cores; each run on fresh connections; setup ${fixed(r.setupSeconds, 1)} s. CPU per 1,000 events ` +
      'counts from the first delivery until every connection is idle again (the syncs the events started included).',
  ].join('\n');
}

/**
 * Alone: `npx tsx bench/webhooks.ts [requests] [concurrency]` runs the HTTP layer alone;
 * `npx tsx bench/webhooks.ts scale [requests] [instances,...] [concurrency,...]` the real stack scaled out
 * (e.g. `scale 3000 1,2 50,200 [publish|upload_failed]`; BENCH_QUICK=1 for fewer requests). Exit code 1 when an event was lost.
 */
if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2);
  const list = (v: string | undefined) => (v ? v.split(',').map(Number) : undefined);
  const main =
    mode === 'scale'
      ? benchmarkWebhookScaleOut({
          requests: Number(rest[0]) || undefined,
          instances: list(rest[1]),
          concurrency: list(rest[2]),
          events: rest[3] === 'upload_failed' ? 'upload_failed' : undefined,
        }).then((r) => {
          console.log(formatWebhookScaleOut(r));
          console.log(JSON.stringify(r));
          if (r.runs.some((x) => x.lost > 0 || x.countedTwice > 0)) process.exitCode = 1;
        })
      : benchmarkWebhooks({
          requests: Number(mode) || undefined,
          concurrency: Number(rest[0]) || undefined,
        }).then((r) => {
          console.log(formatWebhookBench(r));
          if (r.lost > 0 || r.forgedDelivered > 0 || r.failed > 0) process.exitCode = 1;
        });
  main
    .then(() => process.exit())
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
