/**
 * Composition root of one socialsync process: Firestore store, connectors, Temporal workers, the sync service and
 * the HTTP service (management API, OAuth, webhooks) with the dashboard under `/ui`. `npm start` calls it after
 * the infrastructure is up; tests call it against their own servers.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import express from 'express';
import { getApps } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { Registry } from 'prom-client';
import { socialsyncMetrics } from '../shared/metrics';
import type { Env } from '../config';
import { createConnectors } from '../platforms/registry';
import type { PlatformId } from '../platforms/types';
import type { Logger } from '../shared/logger';
import {
  closeFirestore,
  createFirestore,
  createStore,
  httpOAuthStates,
  httpWebhookDedupe,
  resolveKeyring,
  type Store,
} from '../store';
import type { SyncService } from '../sync/service';
import { createTemporalSyncService } from '../sync/temporal-sync-service';
import {
  createApp,
  DEFAULT_LIMITS,
  firebaseIdTokenVerifier,
  firestoreReadiness,
  serve,
  temporalReadiness,
  trustProxySetting,
  type AppDeps,
  type HttpService,
} from '../webhooks';
import { ConnectFlow } from '../webhooks/connect-flow';
import { dashboardRouter, firestoreTopItems } from '../webhooks/pages';
import { runWorkers, type WorkersHandle } from '../workers';

export interface StartServiceOptions {
  /** Parsed environment; TEMPORAL_ADDRESS must be set (start.ts sets it to the embedded server's address). */
  config: Env;
  /** Where the dev keyring lives when TOKEN_ENCRYPTION_KEYS is unset. */
  dataDir: string;
  logger: Logger;
  /** Pre-bundled workflow code (tests bundle once); default: bundled at start. */
  workflowBundle?: { code: string } | { codePath: string };
  taskQueuePrefix?: string;
  /** Time for token expiry and rate-limit resets (the sandbox clock when the sandboxes run in-process). */
  now?: () => number;
  /** Address the HTTP service binds (default 0.0.0.0). */
  host?: string;
}

export interface RunningService {
  /** Base URL of the HTTP service as clients should use it (PUBLIC_BASE_URL when set). */
  url: string;
  port: number;
  platforms: PlatformId[];
  store: Store;
  syncService: SyncService;
  client: Client;
  workers: WorkersHandle;
  keyringSource: 'env' | 'dev-file';
  /** Stops HTTP (draining in-flight requests), then the workers, then closes every connection. Idempotent. */
  close(): Promise<void>;
}

function origin(url: string): string {
  return new URL(url).origin;
}

export async function startService(opts: StartServiceOptions): Promise<RunningService> {
  const { config, logger } = opts;
  if (!config.TEMPORAL_ADDRESS) throw new Error('startService needs TEMPORAL_ADDRESS');
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err: unknown) => logger.warn({ err }, 'cleanup step failed'));
    cleanups.length = 0;
  };

  try {
    const db = createFirestore({ projectId: config.GCLOUD_PROJECT });
    cleanups.push(() => closeFirestore(db));
    const { keyring, source: keyringSource } = resolveKeyring({ env: config, dataDir: opts.dataDir });
    const store = createStore({ db, keyring, logger });
    const connectors = createConnectors(config, { logger, now: opts.now });
    const platforms = Object.keys(connectors) as PlatformId[];
    if (platforms.length === 0)
      throw new Error('no platform is configured: set credentials or run the sandboxes');

    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    cleanups.push(() => workerConnection.close());

    // One registry for the HTTP service and the workers of this process: GET /metrics shows both.
    const registry = new Registry();
    const workers = await runWorkers({
      config,
      connection: workerConnection,
      connectors,
      sink: store.sink,
      tokenStore: store.tokens,
      logger,
      client,
      workflowBundle: opts.workflowBundle,
      taskQueuePrefix: opts.taskQueuePrefix,
      clock: opts.now ? { now: opts.now } : undefined,
      metrics: socialsyncMetrics(registry),
    });
    cleanups.push(() => workers.shutdown());
    const syncService = createTemporalSyncService({
      client,
      sink: store.sink,
      config,
      taskQueuePrefix: opts.taskQueuePrefix,
      logger,
    });

    const publicBaseUrl = config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`;
    const firebaseApp = getApps().find((a) => a.name === `socialsync:${config.GCLOUD_PROJECT}`);
    if (!firebaseApp) throw new Error('firebase app missing after createFirestore');
    const oauthStates = httpOAuthStates(store.oauthStates);
    const drain = { draining: false };
    const deps: AppDeps = {
      config: { ...config, PUBLIC_BASE_URL: publicBaseUrl },
      connectors,
      tokenStore: store.tokens,
      accountIndex: store.accounts,
      oauthStates,
      dedupe: httpWebhookDedupe(store.webhookDedupe),
      syncService,
      connections: store.sink,
      idTokens: firebaseIdTokenVerifier(getAuth(firebaseApp)),
      readiness: [temporalReadiness(connection), firestoreReadiness(db)],
      registry,
      logger,
      drain,
    };
    // The dashboard starts connects exactly like POST /api/users/{userId}/connections/{platform} does.
    const connect = new ConnectFlow({
      publicBaseUrl,
      stateTtlMs: DEFAULT_LIMITS.oauthStateTtlMs,
      oauthStates,
      tokenStore: store.tokens,
      accountIndex: store.accounts,
      syncService,
      connections: store.sink,
      logger,
    });
    const root = express();
    root.disable('x-powered-by');
    if (config.TRUST_PROXY) root.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
    root.use(
      dashboardRouter({
        adminApiKey: config.ADMIN_API_KEY,
        secureCookies: publicBaseUrl.startsWith('https:'),
        connectors,
        connect,
        syncService,
        sink: store.sink,
        items: firestoreTopItems(db),
        authorizeOrigins: [
          config.INSTAGRAM_AUTHORIZE_URL,
          config.TWITTER_AUTHORIZE_URL,
          config.TIKTOK_AUTHORIZE_URL,
        ].map(origin),
        logger,
      }),
    );
    root.use(createApp(deps));
    const http: HttpService = await serve({ app: root, port: config.PORT, host: opts.host, drain, logger });
    cleanups.push(() => http.close({ graceMs: 5_000 }));

    let closing: Promise<void> | undefined;
    return {
      url: config.PUBLIC_BASE_URL ?? http.url,
      port: http.port,
      platforms,
      store,
      syncService,
      client,
      workers,
      keyringSource,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
