/**
 * X cost benchmark: post reads (X bills every post returned, https://docs.x.com/x-api/getting-started/pricing) per
 * 6-hourly incremental sync of an account that posts 5 times a day, against the X sandbox with the real engine
 * (Temporal, Firestore emulator, the real connector; nothing mocked): new posts with `since_id`, stored posts younger
 * than 30 days by id, plus the rotation of older ones (the defaults), and the same with TWITTER_METRICS_REFRESH_DAYS=7
 * to show what the setting buys. The code before cost awareness re-walked the 30-day window every sync (253.8 post
 * reads per sync in this setup, measured Dec 3 with that code); it cannot run any more (every X incremental sync
 * takes the since_id path since patch refresh-by-ids), so it is not re-measured here.
 * Reads are counted by the sandbox (posts it returned, users/me answers), i.e. on X's side of the wire; for the
 * variants the engine's own count (the sync summaries) is checked against it.
 *
 * `benchXCost(servers)` runs both and `xCostRows(result)` formats them for bench/run.ts; `npx tsx bench/x-cost.ts`
 * runs it alone (starting its own Temporal dev server and Firestore emulator) and prints the table.
 * Sandbox time is real time; the 6 hours between syncs are simulated by the posts each sync finds new
 * (5 a day = 1.25 per sync), since only the posts on X, not the hours, decide what a sync reads.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config';
import { estimateCostUsd } from '../src/platforms/billing';
import { codeChallenge, createCodeVerifier } from '../src/platforms/oauth/pkce';
import { createTwitterConnector, twitterSettingsFromEnv } from '../src/platforms/twitter';
import type { PlatformConnector } from '../src/platforms/types';
import { SandboxClock } from '../src/sandbox/core/clock';
import { listen } from '../src/sandbox/core/http';
import { createTwitterSandbox } from '../src/sandbox/twitter';
import { composeEngine } from '../src/workers/compose';
import { connectionWorkflowId, requestSyncUpdate } from '../src/workflows/definitions';
import type { SyncWorkflowResult } from '../src/workflows/sync';
import type { ConnectionKey, ReadUsage } from '../src/domain';
import { startBenchServers, type BenchServers } from './engine-env';
import { fixed, formatTable, type BenchRow } from './table';

const DAY_MS = 86_400_000;
const SYNCS_PER_DAY = 4;
const PRICES = { postUsd: 0.005, userUsd: 0.01 };

export interface XCostOptions {
  /** Posts per day of the account (default 5). */
  postsPerDay?: number;
  /** Days of history before the first sync (default 60: posts older than the 30-day window exist). */
  historyDays?: number;
  /** Incremental syncs measured per variant (default 8: two days of 6-hourly syncs). */
  syncs?: number;
  progress?: (message: string) => void;
}

export interface XCostVariant {
  /** What incremental syncs did. */
  name: string;
  /** Average billable reads per incremental sync. */
  perSync: ReadUsage;
  /** At X's documented prices, per sync and per 30-day month of 6-hourly syncs (before X's daily dedupe). */
  usdPerSync: number;
  usdPerMonth: number;
  /** Platform calls per sync. */
  callsPerSync: number;
  /** Post reads the sync summaries counted (0 without billing): equal to `perSync.posts` when the engine is right. */
  engineCountedPosts: number;
}

export interface XCostResult {
  postsPerDay: number;
  syncs: number;
  storedPosts: number;
  after: XCostVariant;
  /** After, with TWITTER_METRICS_REFRESH_DAYS=7. */
  after7: XCostVariant;
}

type Variant = { name: string; env?: Record<string, string> };
const VARIANTS = {
  after: { name: 'defaults: 30 days + 10 older' },
  after7: {
    name: 'TWITTER_METRICS_REFRESH_DAYS=7',
    env: { TWITTER_METRICS_REFRESH_DAYS: '7' },
  },
} satisfies Record<string, Variant>;

async function runVariant(
  servers: BenchServers,
  variant: Variant,
  opts: Required<Omit<XCostOptions, 'progress'>> & { progress: (m: string) => void },
): Promise<XCostVariant & { storedPosts: number }> {
  const clock = new SandboxClock();
  const sandbox = createTwitterSandbox({
    clock,
    seed: 5,
    accounts: 0,
    itemsPerAccount: 0,
    autoApprove: true,
  });
  const { world } = sandbox;
  const profileReads = () =>
    world.log.all({ endpoint: 'GET /2/users/me' }).filter((r) => r.status === 200).length;
  const server = await listen(sandbox.handler);
  const config = loadConfig({
    ...sandbox.env(server.url),
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.namespace,
    GCLOUD_PROJECT: `bench-xcost-${randomUUID().slice(0, 8)}`,
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'error',
    ...variant.env,
  });
  const connector: PlatformConnector = createTwitterConnector(twitterSettingsFromEnv(config), {
    now: () => clock.now(),
  });
  const taskQueuePrefix = `bench-xcost-${randomUUID().slice(0, 8)}`;
  const engine = await composeEngine({
    config,
    connectors: { twitter: connector },
    clock,
    workflowBundle: { code: servers.workflowCode },
    taskQueuePrefix,
    shutdownGraceMs: 2_000,
  });
  try {
    // An account posting `postsPerDay` a day for `historyDays`, evenly spaced.
    const accountId = world.addAccount({ items: 0, followers: 1_000 });
    const gap = DAY_MS / opts.postsPerDay;
    const now = clock.now();
    for (let at = now - opts.historyDays * DAY_MS; at < now - gap; at += gap)
      await world.createItem(accountId, { createdAt: at });

    // Connect through the sandbox's OAuth, then the initial sync.
    world.login(accountId);
    const redirectUri = 'http://127.0.0.1:1/oauth/callback';
    const verifier = createCodeVerifier();
    const consent = await fetch(
      connector.oauth.authorizeUrl({
        state: randomUUID(),
        redirectUri,
        codeChallenge: codeChallenge(verifier, 'S256'),
      }),
      { redirect: 'manual' },
    );
    const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await connector.oauth.exchangeCode({ code, redirectUri, codeVerifier: verifier });
    const key: ConnectionKey = { userId: `${taskQueuePrefix}-u`, platform: 'twitter' };
    await engine.store.tokens.save(key, tokens);
    const started = await engine.syncService.connect({ ...key, accountId: tokens.accountId });
    await engine.client.workflow.getHandle(started.workflowId, started.runId).result();
    const storedPosts = await engine.store.sink.countItems(key, 'tweets');
    opts.progress(`x-cost ${variant.name}: initial sync stored ${storedPosts} posts`);

    const total: ReadUsage = { posts: 0, users: 0 };
    let counted = 0;
    let calls = 0;
    let posted = 0;
    for (let n = 1; n <= opts.syncs; n += 1) {
      // The posts of the 6 hours since the last sync.
      const due = Math.round((n * opts.postsPerDay) / SYNCS_PER_DAY) - posted;
      for (let i = 0; i < due; i += 1)
        await world.createItem(accountId, { createdAt: clock.now() - i * 1000 });
      posted += due;
      const postsBefore = world.usageCap.state().used;
      const usersBefore = profileReads();
      const connection = engine.client.workflow.getHandle(connectionWorkflowId(key));
      const handle = await connection.executeUpdate(requestSyncUpdate, { args: [{ mode: 'incremental' }] });
      const result = (await engine.client.workflow
        .getHandle(handle.workflowId, handle.runId)
        .result()) as SyncWorkflowResult;
      // X's side: posts the sandbox returned (its post-cap counter) and profiles it answered.
      const reads = { posts: world.usageCap.state().used - postsBefore, users: profileReads() - usersBefore };
      total.posts += reads.posts;
      total.users += reads.users;
      counted += result.summary.reads?.posts ?? 0;
      calls += result.summary.calls;
      opts.progress(
        `x-cost ${variant.name}: sync ${n}: ${reads.posts} post reads (engine counted ${result.summary.reads?.posts ?? '-'}), ${result.summary.calls} calls`,
      );
    }
    const perSync = { posts: total.posts / opts.syncs, users: total.users / opts.syncs };
    const usdPerSync = estimateCostUsd(perSync, PRICES);
    return {
      name: variant.name,
      perSync,
      usdPerSync,
      usdPerMonth: usdPerSync * SYNCS_PER_DAY * 30,
      callsPerSync: calls / opts.syncs,
      engineCountedPosts: counted / opts.syncs,
      storedPosts,
    };
  } finally {
    await engine.workers.shutdown().catch(() => undefined);
    await engine.close();
    await server.close();
  }
}

export async function benchXCost(servers: BenchServers, options: XCostOptions = {}): Promise<XCostResult> {
  const opts = {
    postsPerDay: options.postsPerDay ?? 5,
    historyDays: options.historyDays ?? 60,
    syncs: options.syncs ?? 8,
    progress: options.progress ?? (() => undefined),
  };
  const after = await runVariant(servers, VARIANTS.after, opts);
  const after7 = await runVariant(servers, VARIANTS.after7, opts);
  return {
    postsPerDay: opts.postsPerDay,
    syncs: opts.syncs,
    storedPosts: after.storedPosts,
    after: strip(after),
    after7: strip(after7),
  };
}

function strip({ storedPosts, ...variant }: XCostVariant & { storedPosts: number }): XCostVariant {
  void storedPosts;
  return variant;
}

/** Rows for bench/run.ts's table. */
export function xCostRows(r: XCostResult): BenchRow[] {
  const label = `X cost, ${r.postsPerDay} posts/day (${r.storedPosts} stored, mean of ${r.syncs} syncs)`;
  const line = (v: XCostVariant) =>
    `${fixed(v.perSync.posts, 1)} posts + ${fixed(v.perSync.users, 1)} user; ` +
    `$${fixed(v.usdPerSync, 3)}/sync, $${fixed(v.usdPerMonth, 2)}/month`;
  const rows: BenchRow[] = [];
  for (const v of [r.after, r.after7]) {
    rows.push(
      { benchmark: `${label}: reads per 6-hourly sync, ${v.name}`, result: line(v), target: '-' },
      {
        benchmark: `${label}: engine's own count (summary.reads) = X's, ${v.name}`,
        result: `${fixed(v.engineCountedPosts, 1)} vs ${fixed(v.perSync.posts, 1)}`,
        target: 'equal',
        pass: v.engineCountedPosts === v.perSync.posts,
      },
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const servers = await startBenchServers(say);
  try {
    const result = await benchXCost(servers, { progress: say });
    process.stdout.write(`${formatTable(xCostRows(result))}\n`);
  } finally {
    await servers.stop();
  }
}

if (process.argv[1]?.endsWith('x-cost.ts')) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
