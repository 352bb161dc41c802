/**
 * What the sync-engine benchmarks run on: one Temporal dev server and one Firestore emulator (src/infra), the
 * workflow code bundled once, and per benchmark a TikTok sandbox over real HTTP with the real connector, the real
 * Firestore sink and token store, and workers from `runWorkers` — wired as in production, nothing mocked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime } from '@temporalio/worker';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { loadConfig } from '../src/config';
import { startFirestoreEmulator } from '../src/infra/firestore-emulator';
import { startTemporalDevServer } from '../src/infra/temporal-server';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../src/platforms/tiktok';
import { codeChallenge, createCodeVerifier } from '../src/platforms/oauth/pkce';
import type { PlatformConnector, TokenSet } from '../src/platforms/types';
import { SandboxClock } from '../src/sandbox/core/clock';
import { listen } from '../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox } from '../src/sandbox/tiktok';
import { silentLogger } from '../src/shared/logger';
import { createFirestoreSink } from '../src/store/sink';
import { createTokenStore } from '../src/store/token-store';
import type { ConnectionKey, SyncSink, TokenStore } from '../src/store/types';
import { createTemporalSyncService, type TemporalSyncService } from '../src/sync/temporal-sync-service';
import { runWorkers, type WorkersHandle } from '../src/workers';
import type { ConnectionOptions } from '../src/workflows/connection';

export interface BenchServers {
  temporalAddress: string;
  namespace: string;
  firestoreHost: string;
  workflowCode: string;
  stop(): Promise<void>;
}

export async function startBenchServers(progress: (m: string) => void): Promise<BenchServers> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-bench-'));
  try {
    Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m) => progress(`temporal worker: ${m}`) } });
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
  return {
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
}

export interface BenchEngine {
  sandbox: TikTokSandbox;
  client: Client;
  sink: SyncSink;
  tokenStore: TokenStore;
  service: TemporalSyncService;
  workers: WorkersHandle;
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

export async function startBenchEngine(servers: BenchServers, opts: BenchEngineOptions): Promise<BenchEngine> {
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
  const config = loadConfig({
    ...sandbox.env(server.url),
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.namespace,
    SYNC_INTERVAL: '6h',
    TIKTOK_CALLS_PER_MINUTE: String(opts.callsPerWindow),
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  const base = createTikTokConnector(tiktokSettingsFromEnv(config), { now: () => clock.now() });
  const connector = windowMs === 60_000 ? base : withWindow(base, windowMs);

  const app = initializeApp({ projectId: `bench-${randomUUID().slice(0, 8)}` }, randomUUID());
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const sink = createFirestoreSink(db);
  const tokenStore = createTokenStore({ db, keyring: config.TOKEN_ENCRYPTION_KEYS! });
  const clientConnection = await Connection.connect({ address: servers.temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: servers.namespace });
  const workerConnection = await NativeConnection.connect({ address: servers.temporalAddress });
  const taskQueuePrefix = `bench-${randomUUID().slice(0, 8)}`;
  const workers = await runWorkers({
    config,
    connection: workerConnection,
    connectors: { tiktok: connector },
    sink,
    tokenStore,
    logger: silentLogger,
    workflowBundle: { code: servers.workflowCode },
    client,
    taskQueuePrefix,
    clock,
    appActivitiesPerSecond: { tiktok: opts.appActivitiesPerSecond },
    shutdownGraceMs: 2_000,
    workerOptions: { maxCachedWorkflows: 2_000, maxConcurrentActivityTaskExecutions: 200 },
  });
  const service = createTemporalSyncService({ client, sink, config, taskQueuePrefix, engine: opts.engine });

  return {
    sandbox,
    client,
    sink,
    tokenStore,
    service,
    workers,
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
      await workers.shutdown().catch(() => undefined);
      await workerConnection.close().catch(() => undefined);
      await clientConnection.close().catch(() => undefined);
      await deleteApp(app).catch(() => undefined);
      await server.close();
    },
  };
}
