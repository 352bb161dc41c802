/**
 * The HTTP service wired exactly as in production, for the tests in test/http: the real app (`createApp`) on a real
 * port, and the engine from `composeEngine` (as `startService` builds it): real connectors against in-process
 * sandboxes (consent auto-approved), the run's Temporal dev server with real workers and the real
 * TemporalSyncService, the run's Firestore emulator (a project of this file), and firebase-admin verifying real ID
 * tokens of the run's Firebase Auth emulator.
 */
import { Runtime } from '@temporalio/worker';
import { Registry } from 'prom-client';
import type { Express } from 'express';
import { loadConfig, type Env } from '../../../src/config';
import type { ConnectorRegistry } from '../../../src/platforms/registry';
import type { PlatformId } from '../../../src/platforms/types';
import { SandboxClock } from '../../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../../src/sandbox/core/http';
import type { PlatformSandbox } from '../../../src/sandbox/core/types';
import { createInstagramSandbox, type InstagramSandbox } from '../../../src/sandbox/instagram';
import { createTikTokSandbox, type TikTokSandbox } from '../../../src/sandbox/tiktok';
import { createTwitterSandbox, type TwitterSandbox } from '../../../src/sandbox/twitter';
import { silentLogger, type Logger } from '../../../src/shared/logger';
import { createOAuthStateStore, type OAuthStateStore, type WebhookDedupe } from '../../../src/store';
import type { AccountIndex, SyncSink, TokenStore } from '../../../src/store/types';
import type { SyncService } from '../../../src/sync/service';
import {
  createApp,
  firebaseIdTokenVerifier,
  firestoreReadiness,
  temporalReadiness,
  type AppDeps,
} from '../../../src/webhooks';
import { composeEngine } from '../../../src/workers/compose';
import {
  testAuth,
  testFirestore,
  testServers,
  testTemporal,
  uniqueTaskQueue,
  type TestAuth,
  type TestFirestore,
  type TestTemporal,
} from '../../helpers/servers';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Sandboxes {
  instagram: InstagramSandbox;
  twitter: TwitterSandbox;
  tiktok: TikTokSandbox;
}

export interface HttpHarness {
  url: string;
  app: Express;
  deps: AppDeps;
  config: Env;
  clock: SandboxClock;
  sandboxes: Sandboxes;
  connectors: ConnectorRegistry;
  firestore: TestFirestore;
  temporal: TestTemporal;
  auth: TestAuth;
  sink: SyncSink;
  tokenStore: TokenStore;
  accountIndex: AccountIndex;
  oauthStates: OAuthStateStore;
  dedupe: WebhookDedupe;
  syncService: SyncService;
  registry: Registry;
  /** A Firebase ID token of `uid` from the Auth emulator (the user is created there first if needed). */
  userToken(uid: string): Promise<string>;
  /** Builds another app on the same stores with some deps replaced (e.g. a sync service on a dead Temporal). */
  appWith(overrides: Partial<AppDeps>): Express;
  close(): Promise<void>;
}

export const HARNESS_PLATFORMS = ['instagram', 'twitter', 'tiktok'] as const satisfies readonly PlatformId[];

/** Worker runtime logs only warnings (the default floods test output with INFO lines). */
function quietRuntime(): void {
  try {
    Runtime.install({
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
  } catch {
    // Already installed in this jest worker.
  }
}

export async function startHttpHarness(opts: { logger?: Logger } = {}): Promise<HttpHarness> {
  quietRuntime();
  const clock = new SandboxClock();
  const sandboxes: Sandboxes = {
    instagram: createInstagramSandbox({
      clock,
      seed: 10,
      accounts: 3,
      itemsPerAccount: 8,
      autoApprove: true,
    }),
    twitter: createTwitterSandbox({ clock, seed: 11, accounts: 3, itemsPerAccount: 8, autoApprove: true }),
    tiktok: createTikTokSandbox({ clock, seed: 12, accounts: 3, itemsPerAccount: 8, autoApprove: true }),
  };
  // Every consent here is given by the sandbox's one logged-in Instagram account, so all the users a test file connects
  // share that account's hourly call limit at the platform while each connection keeps its own budget: room for a
  // file's worth of syncs (these tests are not about Instagram's limit; test/engine covers it).
  sandboxes.instagram.setLimits({ perUser: 2_000 });
  const sandboxServers: RunningServer[] = [];
  const sandboxEnv: Record<string, string> = {};
  for (const sandbox of Object.values(sandboxes) as PlatformSandbox[]) {
    const server = await listen(sandbox.handler);
    sandboxServers.push(server);
    Object.assign(sandboxEnv, sandbox.env(server.url));
  }

  // The app's own server first: PUBLIC_BASE_URL (the OAuth redirect URI) must name its real port.
  const mounted: { app?: Express } = {};
  const server = await listen((req, res) => (mounted.app ? mounted.app(req, res) : res.writeHead(503).end()));
  const { temporalAddress, temporalNamespace, workflowBundlePath } = testServers();
  const config = loadConfig({
    ...sandboxEnv,
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: temporalNamespace,
    PUBLIC_BASE_URL: server.url,
    ADMIN_API_KEY: ADMIN_KEY,
    SYNC_INTERVAL: '1h',
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
  });
  const logger = opts.logger ?? silentLogger;
  const now = () => clock.now();

  const firestore = await testFirestore();
  const auth = testAuth();
  const temporal = await testTemporal();
  const engine = await composeEngine({
    config,
    logger,
    db: firestore.db,
    client: temporal.client,
    platforms: HARNESS_PLATFORMS,
    clock,
    workflowBundle: { codePath: workflowBundlePath },
    taskQueuePrefix: uniqueTaskQueue('http'),
    shutdownGraceMs: 2_000,
    engine: { webhookDebounceMs: 500, webhookMaxDelayMs: 5_000 },
  });
  const { connectors, syncService, registry } = engine;
  const { sink, tokens: tokenStore, accounts: accountIndex, webhookDedupe: dedupe } = engine.store;
  // States expire on the sandbox clock, so a test can let one go stale by advancing it.
  const oauthStates = createOAuthStateStore({
    db: firestore.db,
    keyring: config.TOKEN_ENCRYPTION_KEYS!,
    now: () => new Date(now()),
  });

  const deps: AppDeps = {
    config,
    connectors,
    tokenStore,
    accountIndex,
    oauthStates,
    dedupe,
    syncService,
    connections: sink,
    idTokens: firebaseIdTokenVerifier(auth.auth),
    readiness: [temporalReadiness(temporal.connection), firestoreReadiness(firestore.db)],
    registry,
    logger,
    // Webhook timestamps are checked against wall-clock time, as in production: the sandboxes sign deliveries with
    // the real time even when their simulated clock runs ahead.
  };
  const app = createApp(deps);
  mounted.app = app;

  return {
    url: server.url,
    app,
    deps,
    config,
    clock,
    sandboxes,
    connectors,
    firestore,
    temporal,
    auth,
    sink,
    tokenStore,
    accountIndex,
    oauthStates,
    dedupe,
    syncService,
    registry,
    userToken: (uid) => auth.signIn(uid),
    appWith(overrides) {
      return createApp({ ...deps, registry: new Registry(), ...overrides });
    },
    async close() {
      await engine.close();
      await server.close();
      await Promise.all(sandboxServers.map((s) => s.close()));
      await auth.close();
      await temporal.close();
      await firestore.close();
    },
  };
}

export { eventually } from '../../helpers/eventually';

export interface ConnectResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The whole OAuth dance as a browser does it: ask the service for the authorize URL (as the user), open it at the
 * sandbox (consent auto-approved → 302 to our callback), follow the redirect to the callback.
 */
export async function connectThroughOAuth(
  h: HttpHarness,
  platform: PlatformId,
  userId: string,
): Promise<ConnectResult> {
  const start = await fetch(`${h.url}/api/users/${userId}/connections/${platform}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.userToken(userId)}` },
  });
  if (start.status !== 200) throw new Error(`connect start answered ${start.status}: ${await start.text()}`);
  const cookie = cookiesFrom(start);
  const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
  const callbackUrl = await consentRedirect(authorizeUrl);
  // The same "browser" that started the connect finishes it: it carries the binding cookie the start set.
  const callback = await fetch(callbackUrl, { headers: { accept: 'application/json', cookie } });
  return { status: callback.status, body: (await callback.json()) as Record<string, unknown> };
}

/** The `Cookie` header a browser would send back for the cookies `res` set (name=value pairs only). */
export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !/=$/.test(c))
    .join('; ');
}

/** Opens the authorize URL at the sandbox and returns where its consent screen redirects to. */
export async function consentRedirect(authorizeUrl: string): Promise<string> {
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (!location)
    throw new Error(`consent did not redirect (${consent.status}): ${(await consent.text()).slice(0, 200)}`);
  return location;
}
