/**
 * One socialsync HTTP service (management API, OAuth, webhooks, the dashboard under `/ui`) on the sync engine from
 * `composeEngine` (Firestore store, connectors, Temporal workers, the sync service) — the `all` role, which
 * `npm start` runs after the infrastructure is up and tests run against their own servers — or, with
 * `workers: false`, on the client side alone (`composeSyncClient`): the `service` role, whose syncs run in worker
 * processes elsewhere.
 */
import type { Client } from '@temporalio/client';
import express from 'express';
import { getApps } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { Registry } from 'prom-client';
import { publicBaseUrl, type Env } from '../config';
import type { PlatformId } from '../domain';
import { authorizeOrigins, createConnectors } from '../platforms/registry';
import type { Logger } from '../shared/logger';
import type { Store } from '../store';
import type { SyncService } from '../sync/service';
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
import {
  dashboardRouter,
  firestoreDashboardReader,
  firestoreTopItems,
  temporalSyncHistory,
} from '../webhooks/pages';
import type { WorkersHandle } from '../workers';
import { composeEngine, composeSyncClient } from '../workers/compose';

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
  /** Run the workers in this process (default true: the `all` role); false: the `service` role. */
  workers?: boolean;
  /** Registry `GET /metrics` serves (default: a new one). */
  registry?: Registry;
  /** Seconds in-flight activities get at shutdown (the engine's default otherwise). */
  shutdownGraceMs?: number;
}

export interface RunningService {
  /** Base URL of the HTTP service as clients should use it (PUBLIC_BASE_URL when set). */
  url: string;
  port: number;
  platforms: PlatformId[];
  store: Store;
  syncService: SyncService;
  client: Client;
  /** The workers of this process; absent in the `service` role. */
  workers?: WorkersHandle;
  keyringSource: 'env' | 'dev-file';
  /** Stops HTTP (draining in-flight requests), then the workers, then closes every connection. Idempotent. */
  close(): Promise<void>;
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
    const now = opts.now;
    const registry = opts.registry ?? new Registry();
    const engine =
      opts.workers === false
        ? {
            ...(await composeSyncClient({
              config,
              logger,
              dataDir: opts.dataDir,
              taskQueuePrefix: opts.taskQueuePrefix,
            })),
            // The service builds authorize URLs, exchanges codes and verifies webhooks itself; PLATFORMS narrows
            // what it serves, as it does for the workers (composeEngine).
            connectors: Object.fromEntries(
              Object.entries(createConnectors(config, { logger, now })).filter(([p]) =>
                config.PLATFORMS.includes(p as PlatformId),
              ),
            ),
            workers: undefined,
          }
        : await composeEngine({
            config,
            logger,
            dataDir: opts.dataDir,
            workflowBundle: opts.workflowBundle,
            taskQueuePrefix: opts.taskQueuePrefix,
            clock: now ? { now } : undefined,
            registry,
            shutdownGraceMs: opts.shutdownGraceMs,
          });
    cleanups.push(() => engine.close());
    const { store, connectors, syncService, client, db } = engine;
    const platforms = Object.keys(connectors) as PlatformId[];
    if (platforms.length === 0)
      throw new Error('no platform is configured: set credentials or run the sandboxes');

    const baseUrl = publicBaseUrl(config);
    const firebaseApp = getApps().find((a) => a.name === `socialsync:${config.GCLOUD_PROJECT}`);
    if (!firebaseApp) throw new Error('firebase app missing after createFirestore');
    const drain = { draining: false };
    const deps: AppDeps = {
      config: { ...config, PUBLIC_BASE_URL: baseUrl },
      connectors,
      tokenStore: store.tokens,
      accountIndex: store.accounts,
      oauthStates: store.oauthStates,
      dedupe: store.webhookDedupe,
      syncService,
      connections: store.sink,
      idTokens: firebaseIdTokenVerifier(getAuth(firebaseApp)),
      readiness: [temporalReadiness(client.connection), firestoreReadiness(db)],
      // One registry for the HTTP service and the workers of this process: GET /metrics shows both.
      registry,
      logger,
      drain,
    };
    // The dashboard starts connects exactly like POST /api/users/{userId}/connections/{platform} does.
    const connect = new ConnectFlow({
      publicBaseUrl: baseUrl,
      stateTtlMs: DEFAULT_LIMITS.oauthStateTtlMs,
      oauthStates: store.oauthStates,
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
        secureCookies: baseUrl.startsWith('https:'),
        connectors,
        connect,
        syncService,
        sink: store.sink,
        items: firestoreTopItems(db),
        reader: firestoreDashboardReader(db),
        history: temporalSyncHistory({ client }),
        temporalUi: config.TEMPORAL_UI_URL
          ? { url: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE }
          : undefined,
        authorizeOrigins: authorizeOrigins(config),
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
      workers: engine.workers,
      keyringSource: engine.keyringSource,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
