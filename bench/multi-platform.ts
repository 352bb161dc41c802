/**
 * The owners' measurement of issue 13, reproduced: N users x the three platforms (Instagram, X, TikTok sandboxes over
 * real HTTP, one frozen sandbox clock so Firestore can be compared with the ground truth exactly), every platform
 * call delayed `latencyMs` and, optionally, a share of them answered HTTP 500. `startMultiBench` builds one such
 * world plus an engine (workers in a child process built like `npm run worker`, client and store here); the same
 * seed gives the same data every time, so socialsync and the plain loop (bench/plain-loop.ts) are measured on
 * identical worlds in one run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig, type Env } from '../src/config';
import { codeChallenge, createCodeVerifier } from '../src/platforms/oauth/pkce';
import type { ConnectorRegistry } from '../src/platforms/registry';
import type { TokenSet } from '../src/platforms/types';
import { SandboxClock, startSandboxes, type AllSandboxes } from '../src/sandbox';
import type { PlatformSandbox } from '../src/sandbox/core/types';
import type { WorkerTuning } from '../src/workers';
import { composeSyncClient, type SyncClient } from '../src/workers/compose';
import { createConnectors } from '../src/platforms/registry';
import type { ConnectionOptions } from '../src/workflows/connection';
import type { SyncWorkflowResult } from '../src/workflows/sync';
import { startWorkerProcess, type BenchServers } from './engine-env';
import { ITEM_KINDS, type ConnectionKey, type ItemKind, type PlatformId } from '../src/domain';

export const BENCH_PLATFORMS: readonly PlatformId[] = ['instagram', 'twitter', 'tiktok'];
const DAY_MS = 86_400_000;

export interface MultiBenchOptions {
  users: number;
  itemsPerAccount: number;
  seed?: number;
  tuning?: Partial<WorkerTuning>;
  engine?: Partial<ConnectionOptions>;
  /**
   * Instagram's per-user hourly budget, set alike in the engine (INSTAGRAM_CALLS_PER_HOUR) and the sandbox (default
   * 5,000): the sandbox world has legacy posts whose refused inline insights cost one call per post, and the manual
   * syncs re-read the same account several times within the hour. The benchmark measures speed, not waiting.
   */
  instagramCallsPerHour?: number;
  /**
   * Where the sync workers run: `process` (default) in a child process of their own (bench/worker-process.ts),
   * built from the environment like `npm run worker`, as a deployment runs them apart from the HTTP service; `none`
   * for the plain loop, which needs no workers.
   */
  workers?: 'process' | 'none';
}

export interface BenchConnection {
  key: ConnectionKey;
  accountId: string;
  tokens: TokenSet;
}

export interface FaultPlan {
  /** Delay of every platform call (ms). */
  latencyMs: number;
  /** Share of platform calls answered HTTP 500, 0..1. */
  errorRate: number;
}

export interface Accuracy {
  /** Records (items, profile, latest insights, audience, daily insights) equal to the ground truth. */
  correct: number;
  /** Records the ground truth has, plus stored items it does not have. */
  expected: number;
  ratio: number;
  /** The first few records that differ, for diagnosis. */
  mismatches: string[];
}

export interface MultiBench {
  sandboxes: AllSandboxes;
  /** Client side: Temporal client, sync service, Firestore store (the workers run elsewhere). */
  engine: SyncClient;
  config: Env;
  /** OAuth through each sandbox for every account (consent auto-approved); tokens stored, nothing connected. */
  authorizeAll(): Promise<BenchConnection[]>;
  /** The extra account of each platform, authorized: for warming up workers and the emulator before measuring. */
  authorizeWarmUp(): Promise<BenchConnection[]>;
  /** Latency and transient errors on every platform endpoint from now on (replaces earlier rules). */
  setFaults(plan: FaultPlan): void;
  /** Requests every sandbox received so far, and those made while the caller was rate-limited. */
  requests(): { total: number; whileLimited: number };
  /** Firestore compared field by field with the sandboxes' ground truth, for these connections. */
  accuracy(connections: readonly BenchConnection[]): Promise<Accuracy>;
  /** The result of a sync workflow run. */
  syncResult(workflowId: string, runId: string): Promise<SyncWorkflowResult>;
  close(): Promise<void>;
}

function sandboxOf(sandboxes: AllSandboxes, platform: PlatformId): { sandbox: PlatformSandbox; url: string } {
  return sandboxes[platform];
}

export async function startMultiBench(servers: BenchServers, opts: MultiBenchOptions): Promise<MultiBench> {
  const frozenAt = Date.now();
  // Frozen: metrics grow with sandbox time, so only a still clock lets Firestore equal the ground truth exactly.
  const clock = new SandboxClock(() => frozenAt);
  const sandboxes = await startSandboxes({
    seed: opts.seed ?? 2026,
    clock,
    autoApprove: true,
    // One more account per platform than measured: the warm-up's.
    accounts: opts.users + 1,
    itemsPerAccount: opts.itemsPerAccount,
  });
  const taskQueuePrefix = `mb-${randomUUID().slice(0, 8)}`;
  const igPerHour = opts.instagramCallsPerHour ?? 5_000;
  const env: Record<string, string> = {
    ...sandboxes.env(),
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.namespace,
    GCLOUD_PROJECT: taskQueuePrefix,
    SYNC_INTERVAL: '1h',
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    INSTAGRAM_CALLS_PER_HOUR: String(igPerHour),
  };
  const config = loadConfig(env);
  sandboxes.instagram.sandbox.setLimits({ perUser: igPerHour });
  const engine = await composeSyncClient({ config, taskQueuePrefix, engine: opts.engine });
  // The child keeps real time; the frozen sandbox clock only holds metrics still (token lifetimes are hours).
  const workers =
    (opts.workers ?? 'process') === 'process'
      ? await startWorkerProcess(
          { ...env, FIRESTORE_EMULATOR_HOST: servers.firestoreHost, LOG_LEVEL: 'error' },
          {
            taskQueuePrefix,
            workflowCodePath: servers.workflowCodePath,
            shutdownGraceMs: 2_000,
            tuning: opts.tuning,
          },
        )
      : undefined;
  // This process's own connectors, for OAuth only.
  const connectors: ConnectorRegistry = createConnectors(config, { now: () => clock.now() });

  async function authorize(platform: PlatformId, accountId: string): Promise<BenchConnection> {
    const { url } = sandboxOf(sandboxes, platform);
    const login = await fetch(`${url}/_sandbox/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId }),
    });
    if (!login.ok) throw new Error(`${platform} sandbox login failed: HTTP ${login.status}`);
    const connector = connectors[platform]!;
    const redirectUri = 'http://127.0.0.1:1/oauth/callback';
    const verifier = createCodeVerifier();
    const pkce = connector.oauth.pkce;
    const authorizeUrl = connector.oauth.authorizeUrl({
      state: randomUUID(),
      redirectUri,
      ...(pkce === 'none' ? {} : { codeChallenge: codeChallenge(verifier, pkce) }),
    });
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    const location = consent.headers.get('location');
    if (!location) throw new Error(`${platform} consent did not redirect (${consent.status})`);
    const code = new URL(location.replace(/#_$/, '')).searchParams.get('code');
    if (!code) throw new Error(`${platform} consent gave no code`);
    const tokens = await connector.oauth.exchangeCode({
      code,
      redirectUri,
      ...(pkce === 'none' ? {} : { codeVerifier: verifier }),
    });
    const key: ConnectionKey = { userId: `${taskQueuePrefix}-${accountId}`, platform };
    await engine.store.tokens.save(key, tokens);
    return { key, accountId: tokens.accountId, tokens };
  }

  async function accuracyOf(
    c: BenchConnection,
    mismatches: string[],
  ): Promise<{ correct: number; expected: number }> {
    const miss = (what: string, got: unknown, want: unknown) => {
      if (mismatches.length < 5)
        mismatches.push(
          `${c.key.platform} ${what}: got ${JSON.stringify(got)?.slice(0, 200)} want ${JSON.stringify(want)?.slice(0, 200)}`,
        );
    };
    const { sandbox } = sandboxOf(sandboxes, c.key.platform);
    const truth = sandbox.groundTruth(c.accountId);
    let correct = 0;
    let expected = 0;
    const base = `users/${c.key.userId}/platforms/${c.key.platform}`;
    for (const kind of ITEM_KINDS[c.key.platform] as ItemKind[]) {
      const want = new Map(
        (truth.items[kind as keyof typeof truth.items] ?? []).map((i) => [
          i.id,
          {
            id: i.id,
            createdAt: new Date(i.createdAt).toISOString(),
            text: i.text,
            metrics: i.metrics,
            ...(i.attributes !== undefined ? { attributes: i.attributes } : {}),
          },
        ]),
      );
      const snap = await engine.db.collection(`${base}/${kind}`).get();
      const stored = new Map<string, unknown>();
      for (const doc of snap.docs) {
        const d = doc.data();
        if (d.deleted === true) continue;
        stored.set(doc.id, {
          id: d.id,
          createdAt: d.createdAt.toDate().toISOString(),
          text: d.text ?? null,
          metrics: d.metrics ?? {},
          ...(d.attributes !== undefined ? { attributes: d.attributes } : {}),
        });
      }
      expected += want.size;
      for (const [id, item] of want) {
        if (isDeepStrictEqual(stored.get(id), item)) correct += 1;
        else miss(`${kind}/${id}`, stored.get(id), item);
      }
      for (const [id, item] of stored) {
        if (want.has(id)) continue;
        expected += 1;
        miss(`${kind}/${id} (not at the platform)`, item, undefined);
      }
    }
    const doc = await engine.store.sink.readConnection(c.key);
    const account: [unknown, unknown][] = [[doc?.profile, truth.profile]];
    if (truth.insights !== undefined) account.push([doc?.insights, truth.insights]);
    if (truth.audience !== undefined) account.push([doc?.audience, truth.audience]);
    for (const [got, want] of account) {
      expected += 1;
      if (isDeepStrictEqual(got, want)) correct += 1;
      else miss('account', got, want);
    }
    if (truth.daily) {
      const since = new Date(clock.now() - 30 * DAY_MS).toISOString().slice(0, 10);
      const snap = await engine.db.collection(`${base}/insights`).get();
      const stored = new Map(snap.docs.map((d) => [d.id, d.data().metrics as unknown]));
      // The connector reads the last 30 UTC days (today included), the days after `since`.
      for (const day of truth.daily.filter((d) => d.date > since)) {
        expected += 1;
        if (isDeepStrictEqual(stored.get(day.date), day.metrics)) correct += 1;
        else miss(`insights/${day.date}`, stored.get(day.date), day.metrics);
      }
    }
    return { correct, expected };
  }

  return {
    sandboxes,
    engine,
    config,
    async authorizeAll() {
      const out: BenchConnection[] = [];
      for (const platform of BENCH_PLATFORMS) {
        for (const accountId of sandboxOf(sandboxes, platform).sandbox.accountIds().slice(0, opts.users))
          out.push(await authorize(platform, accountId));
      }
      return out;
    },
    async authorizeWarmUp() {
      const out: BenchConnection[] = [];
      for (const platform of BENCH_PLATFORMS) {
        const accountId = sandboxOf(sandboxes, platform).sandbox.accountIds()[opts.users];
        if (accountId) out.push(await authorize(platform, accountId));
      }
      return out;
    },
    setFaults({ latencyMs, errorRate }) {
      for (const platform of BENCH_PLATFORMS) {
        const { faults } = sandboxOf(sandboxes, platform).sandbox;
        faults.clear();
        // First match wins: the error rule (with the same delay) is asked first, the plain delay otherwise.
        if (errorRate > 0) faults.add({ endpoint: '*', status: 500, latencyMs, probability: errorRate });
        if (latencyMs > 0) faults.add({ endpoint: '*', latencyMs });
      }
    },
    requests() {
      let total = 0;
      let whileLimited = 0;
      for (const platform of BENCH_PLATFORMS) {
        const stats = sandboxOf(sandboxes, platform).sandbox.log.stats();
        total += stats.total;
        whileLimited += stats.requestsWhileRateLimited;
      }
      return { total, whileLimited };
    },
    async accuracy(connections) {
      let correct = 0;
      let expected = 0;
      const mismatches: string[] = [];
      for (const c of connections) {
        const one = await accuracyOf(c, mismatches);
        correct += one.correct;
        expected += one.expected;
      }
      return { correct, expected, ratio: expected === 0 ? 1 : correct / expected, mismatches };
    },
    async syncResult(workflowId, runId) {
      return (await engine.client.workflow.getHandle(workflowId, runId).result()) as SyncWorkflowResult;
    },
    async close() {
      await workers?.stop();
      await engine.close().catch(() => undefined);
      await sandboxes.close();
    },
  };
}

/** Items the ground truth holds for these connections (what "about 3,900 items" counts). */
export function itemCount(bench: MultiBench, connections: readonly BenchConnection[]): number {
  let n = 0;
  for (const c of connections) {
    const truth = sandboxOf(bench.sandboxes, c.key.platform).sandbox.groundTruth(c.accountId);
    for (const items of Object.values(truth.items)) n += items?.length ?? 0;
  }
  return n;
}
