/**
 * The whole service as production wires it (src/cli/service.ts), for end-to-end benchmarks on the servers of
 * bench/engine-env.ts (`startBenchServers`): the real app (`createApp`) served by `serve` on a real port, and the
 * engine from `composeEngine` — the real Firestore store on the emulator (token store, account index, OAuth states,
 * webhook dedupe, sink), the real TemporalSyncService and workers — with a TikTok sandbox over real HTTP behind the
 * real connector (consent auto-approved, its webhooks subscribed to the service's `/webhooks/tiktok`).
 *
 * What differs from `startService`: the engine options (e.g. `webhookDebounceMs`) can be set, the project and
 * task queues are unique per stack, the worker runtime is quiet, and callers authenticate as a service
 * (`ADMIN_API_KEY`); no Firebase Auth emulator is needed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { loadConfig, type Env } from '../src/config';
import { freePort } from '../src/infra/ports';
import type { PlatformConnector } from '../src/platforms/types';
import { SandboxClock } from '../src/sandbox/core/clock';
import { listen, type RunningServer } from '../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox } from '../src/sandbox/tiktok';
import { silentLogger } from '../src/shared/logger';
import type { Firestore, Store } from '../src/store';
import type { TemporalSyncService } from '../src/sync/temporal-sync-service';
import { createApp, firestoreReadiness, serve, temporalReadiness, type HttpService } from '../src/webhooks';
import type { WorkersHandle } from '../src/workers';
import { composeEngine } from '../src/workers/compose';
import type { ConnectionOptions } from '../src/workflows/connection';
import type { BenchServers } from './engine-env';
import type { ConnectionKey } from '../src/domain';

export interface BenchHttpStackOptions {
  /** Sandbox accounts (each can be connected through OAuth). */
  accounts: number;
  itemsPerAccount: number;
  /** Connection-workflow options passed to `createTemporalSyncService({ engine })`. */
  engine?: Partial<ConnectionOptions>;
  seed?: number;
}

export interface BenchHttpStack {
  /** Base URL of the HTTP service (also its PUBLIC_BASE_URL). */
  url: string;
  adminKey: string;
  config: Env;
  sandbox: TikTokSandbox;
  connector: PlatformConnector;
  db: Firestore;
  store: Store;
  client: Client;
  syncService: TemporalSyncService;
  workers: WorkersHandle;
  /** Prefix of this stack's user ids (unique per stack, so stacks on one Temporal never share workflows). */
  userPrefix: string;
  /**
   * Connects sandbox account `accountId` for user `{userPrefix}-{accountId}` through the real OAuth flow over HTTP:
   * `POST /api/users/{userId}/connections/tiktok` (as a service), the sandbox's consent (auto-approved), then the
   * service's callback, which stores the tokens, indexes the account and starts the initial sync.
   */
  connect(accountId: string): Promise<ConnectionKey>;
  close(): Promise<void>;
}

export async function startBenchHttpStack(
  servers: BenchServers,
  opts: BenchHttpStackOptions,
): Promise<BenchHttpStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const clock = new SandboxClock();
    const sandbox = createTikTokSandbox({
      clock,
      seed: opts.seed ?? 2026,
      accounts: opts.accounts,
      itemsPerAccount: opts.itemsPerAccount,
      autoApprove: true,
    });
    const sandboxServer: RunningServer = await listen(sandbox.handler);
    cleanups.push(() => sandboxServer.close());

    const id = randomUUID().slice(0, 8);
    const port = await freePort();
    const adminKey = `bench-admin-${randomBytes(12).toString('hex')}`;
    const config = loadConfig({
      ...sandbox.env(sandboxServer.url),
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_NAMESPACE: servers.namespace,
      GCLOUD_PROJECT: `bench-http-${id}`,
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ADMIN_API_KEY: adminKey,
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'error',
    });
    const logger = silentLogger;
    const taskQueuePrefix = `bench-http-${id}`;
    const engine = await composeEngine({
      config,
      logger,
      platforms: ['tiktok'],
      clock,
      workflowBundle: { code: servers.workflowCode },
      taskQueuePrefix,
      shutdownGraceMs: 2_000,
      engine: opts.engine,
    });
    cleanups.push(() => engine.close());
    const { db, store, client, syncService, workers } = engine;
    const connector = engine.connectors.tiktok!;

    const drain = { draining: false };
    const app = createApp({
      config,
      connectors: engine.connectors,
      tokenStore: store.tokens,
      accountIndex: store.accounts,
      oauthStates: store.oauthStates,
      dedupe: store.webhookDedupe,
      syncService,
      connections: store.sink,
      // Callers authenticate with ADMIN_API_KEY; no end-user tokens in the benchmarks.
      idTokens: { verifyIdToken: () => Promise.reject(new Error('no end-user tokens in benchmarks')) },
      readiness: [temporalReadiness(client.connection), firestoreReadiness(db)],
      registry: engine.registry,
      logger,
      drain,
    });
    const http: HttpService = await serve({ app, port, host: '127.0.0.1', drain, logger });
    cleanups.push(() => http.close({ graceMs: 2_000 }));
    const url = config.PUBLIC_BASE_URL!;
    // TikTok has no subscription handshake: the sandbox simply posts its signed events to this URL.
    sandbox.control.subscribeWebhooks(`${url}/webhooks/tiktok`);

    const userPrefix = taskQueuePrefix;
    return {
      url,
      adminKey,
      config,
      sandbox,
      connector,
      db,
      store,
      client,
      syncService,
      workers,
      userPrefix,
      async connect(accountId) {
        const userId = `${userPrefix}-${accountId}`;
        const start = await fetch(`${url}/api/users/${encodeURIComponent(userId)}/connections/tiktok`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}` },
        });
        if (start.status !== 200) throw new Error(`connect start: ${start.status} ${await start.text()}`);
        const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
        // The consent screen approves whoever is logged in at the sandbox; the bench connects one at a time.
        sandbox.control.login(accountId);
        const consent = await fetch(authorizeUrl, { redirect: 'manual' });
        const location = consent.headers.get('location');
        if (!location) throw new Error(`sandbox consent did not redirect (${consent.status})`);
        const callback = await fetch(location, { headers: { accept: 'application/json' } });
        const body = (await callback.json()) as Record<string, unknown>;
        if (callback.status !== 200 || body.status !== 'connected')
          throw new Error(`OAuth callback: ${callback.status} ${JSON.stringify(body)}`);
        return { userId, platform: 'tiktok' };
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
