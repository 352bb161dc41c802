import type { SyncWorkflowResult } from '../../src/workflows/sync';
/**
 * One sync engine per test file, wired exactly as in production: real Temporal (the run's dev server), real
 * Firestore (the run's emulator, a project of this file), a platform sandbox over real HTTP and the real
 * connector, workers from `runWorkers` on task queues unique to this file.
 */
import { Registry } from 'prom-client';
import { socialsyncMetrics } from '../../src/shared/metrics';
import { randomUUID } from 'node:crypto';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { loadConfig, type Env } from '../../src/config';
import { codeChallenge, createCodeVerifier } from '../../src/platforms/oauth/pkce';
import type { ItemKind, PlatformConnector, PlatformId, TokenSet } from '../../src/platforms/types';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import type { PlatformSandbox } from '../../src/sandbox/core/types';
import { silentLogger } from '../../src/shared/logger';
import { createFirestoreSink } from '../../src/store/sink';
import { createTokenStore } from '../../src/store/token-store';
import type { SyncSink, TokenStore } from '../../src/store/types';
import type { SyncService } from '../../src/sync/service';
import { createTemporalSyncService, type TemporalSyncService } from '../../src/sync/temporal-sync-service';
import { runWorkers, type WorkersHandle } from '../../src/workers';
import type { ConnectionOptions } from '../../src/workflows/connection';
import { connectionStatusQuery, connectionWorkflowId } from '../../src/workflows/definitions';
import {
  testFirestore,
  testServers,
  testTemporal,
  uniqueTaskQueue,
  type TestFirestore,
  type TestTemporal,
} from '../helpers/servers';
import { eventually } from '../helpers/eventually';
import type { ConnectionKey } from '../../src/domain';

export interface EngineHarnessOptions<S extends PlatformSandbox> {
  platform: PlatformId;
  createSandbox(clock: SandboxClock): S;
  createConnector(env: Env, clock: SandboxClock): PlatformConnector;
  /** Extra environment (e.g. small per-user budgets). */
  env?: Record<string, string>;
  engine?: Partial<ConnectionOptions>;
  /**
   * Sandbox time. `frozen` (default): fixed at the harness start, so metrics (which grow with sandbox time) stay
   * put and Firestore can be compared with the ground truth exactly; tests move it with `clock.advance`.
   * `real`: wall-clock time, for tests that need the sandbox's windows and expiries to pass on their own.
   * A clock instance: share another harness's sandbox (and its time).
   */
  clock?: 'frozen' | 'real' | SandboxClock;
}

/** A request as it reached the sandbox, on wall-clock time (the sandbox's own log uses sandbox time). */
export interface Arrival {
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface EngineHarness<S extends PlatformSandbox> {
  sandbox: S;
  server: RunningServer;
  clock: SandboxClock;
  config: Env;
  connector: PlatformConnector;
  firestore: TestFirestore;
  temporal: TestTemporal;
  client: Client;
  sink: SyncSink;
  tokenStore: TokenStore;
  service: TemporalSyncService;
  /** Prometheus registry the workers' activities record into (what `GET /metrics` serves in production). */
  registry: Registry;
  /** Every request the sandbox received, in wall-clock time. */
  arrivals: Arrival[];
  taskQueuePrefix: string;
  workers: WorkersHandle;
  /** Starts a (new) set of workers, e.g. after `workers.shutdown()` to simulate a restart. */
  startWorkers(): Promise<WorkersHandle>;
  /** A sync service on this harness's workers whose connection workflows get other tuning. */
  serviceWith(engine: Partial<ConnectionOptions>): TemporalSyncService;
  /** A sandbox account no other test of this harness has used, logged in for the next consent. */
  freshAccount(): Promise<string>;
  /** The result of a sync workflow run. */
  syncResult(workflowId: string, runId?: string): Promise<SyncWorkflowResult>;
  /** OAuth through the sandbox (consent auto-approved) and stores the tokens; does not connect yet. */
  authorize(accountId: string, userId?: string): Promise<{ key: ConnectionKey; tokens: TokenSet }>;
  /** `authorize`, then `service.connect` (or the given service's); returns the key and the initial sync. */
  connect(
    accountId: string,
    userId?: string,
    options?: { service?: SyncService },
  ): Promise<ConnectionKey & { accountId: string; workflowId: string; runId: string }>;
  /** Daily account insights stored under `insights/{date}`, by date. */
  storedDaily(key: ConnectionKey): Promise<Map<string, Record<string, number>>>;
  /** The stored items of one kind, by id (deleted ones excluded unless asked). */
  storedItems(
    key: ConnectionKey,
    kind: ItemKind,
    opts?: { includeDeleted?: boolean },
  ): Promise<Map<string, StoredItem>>;
  close(): Promise<void>;
}

export interface StoredItem {
  id: string;
  createdAt: string;
  text: string | null;
  metrics: Record<string, number>;
  attributes?: Record<string, unknown>;
  deleted: boolean;
}

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

export async function startEngine<S extends PlatformSandbox>(
  opts: EngineHarnessOptions<S>,
): Promise<EngineHarness<S>> {
  quietRuntime();
  const frozenAt = Date.now();
  const clock =
    opts.clock instanceof SandboxClock
      ? opts.clock
      : opts.clock === 'real'
        ? new SandboxClock()
        : new SandboxClock(() => frozenAt);
  const sandbox = opts.createSandbox(clock);
  const arrivals: Arrival[] = [];
  const server = await listen((req, res) => {
    const arrival: Arrival = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      status: 0,
    };
    res.on('close', () => {
      arrival.status = res.statusCode;
      arrivals.push(arrival);
    });
    sandbox.handler(req, res);
  });
  const { temporalAddress, temporalNamespace, workflowBundlePath } = testServers();
  const config = loadConfig({
    ...sandbox.env(server.url),
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: temporalNamespace,
    SYNC_INTERVAL: '1h',
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    ...opts.env,
  });
  const connector = opts.createConnector(config, clock);
  const firestore = await testFirestore();
  const temporal = await testTemporal();
  const sink = createFirestoreSink(firestore.db);
  const tokenStore = createTokenStore({ db: firestore.db, keyring: config.TOKEN_ENCRYPTION_KEYS! });
  const taskQueuePrefix = uniqueTaskQueue(`engine-${opts.platform}`);
  const connections: NativeConnection[] = [];
  const registry = new Registry();

  async function startWorkers(): Promise<WorkersHandle> {
    const connection = await NativeConnection.connect({ address: temporalAddress });
    connections.push(connection);
    return runWorkers({
      config,
      connection,
      connectors: { [opts.platform]: connector },
      sink,
      tokenStore,
      logger: silentLogger,
      workflowBundle: { codePath: workflowBundlePath },
      client: temporal.client,
      taskQueuePrefix,
      clock,
      shutdownGraceMs: 2_000,
      metrics: socialsyncMetrics(registry),
    });
  }

  const serviceWith = (engine: Partial<ConnectionOptions>) =>
    createTemporalSyncService({
      client: temporal.client,
      sink,
      config,
      taskQueuePrefix,
      engine: { webhookDebounceMs: 1_500, webhookMaxDelayMs: 10_000, ...opts.engine, ...engine },
    });
  const service = serviceWith({});

  let accountsHandedOut = 0;
  const harness: EngineHarness<S> = {
    registry,

    async freshAccount() {
      const accountId = sandbox.accountIds()[accountsHandedOut++];
      if (!accountId) throw new Error('not enough sandbox accounts');
      // The control API is the same on every platform's sandbox.
      const res = await fetch(`${server.url}/_sandbox/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accountId }),
      });
      if (!res.ok) throw new Error(`sandbox login failed: HTTP ${res.status}`);
      return accountId;
    },

    async syncResult(workflowId, runId) {
      const result = (await temporal.client.workflow
        .getHandle(workflowId, runId)
        .result()) as SyncWorkflowResult;
      // The connection workflow writes `active` once it has the result (it is the one writer of `status`): wait
      // until it has moved on from this sync, so the status read next is the one after it.
      const [, userId, platform] = workflowId.split(':') as [string, string, PlatformId];
      const connection = temporal.client.workflow.getHandle(connectionWorkflowId({ userId, platform }));
      await eventually(
        `the connection workflow to take the result of ${workflowId}`,
        async () => (await connection.query(connectionStatusQuery)).running?.workflowId !== workflowId,
        { intervalMs: 50 },
      );
      return result;
    },
    sandbox,
    server,
    clock,
    config,
    connector,
    firestore,
    temporal,
    client: temporal.client,
    sink,
    tokenStore,
    service,
    arrivals,
    taskQueuePrefix,
    workers: await startWorkers(),
    startWorkers,
    serviceWith,

    async authorize(accountId, userId = `user-${randomUUID().slice(0, 8)}`) {
      const redirectUri = 'http://127.0.0.1:1/oauth/callback';
      const verifier = createCodeVerifier();
      const state = randomUUID();
      const url = connector.oauth.authorizeUrl({
        state,
        redirectUri,
        ...(connector.oauth.pkce === 'none'
          ? {}
          : { codeChallenge: codeChallenge(verifier, connector.oauth.pkce) }),
      });
      const consent = await fetch(url, { redirect: 'manual' });
      const location = consent.headers.get('location');
      if (!location) throw new Error(`sandbox consent did not redirect (${consent.status})`);
      const code = new URL(location.replace(/#_$/, '')).searchParams.get('code');
      if (!code) throw new Error(`no code in ${location}`);
      const tokens = await connector.oauth.exchangeCode({
        code,
        redirectUri,
        ...(connector.oauth.pkce === 'none' ? {} : { codeVerifier: verifier }),
      });
      if (tokens.accountId !== accountId)
        throw new Error(`consent gave account ${tokens.accountId}, not ${accountId}`);
      const key = { userId, platform: opts.platform };
      await tokenStore.save(key, tokens);
      return { key, tokens };
    },

    async connect(accountId, userId, options = {}) {
      const { key, tokens } = await harness.authorize(accountId, userId);
      const started = await (options.service ?? service).connect({ ...key, accountId: tokens.accountId });
      return { ...key, accountId: tokens.accountId, ...started };
    },

    async storedDaily(key) {
      const snap = await firestore.db
        .collection(`users/${key.userId}/platforms/${key.platform}/insights`)
        .get();
      return new Map(snap.docs.map((d) => [d.id, d.data().metrics as Record<string, number>]));
    },

    async storedItems(key, kind, { includeDeleted = false } = {}) {
      const snap = await firestore.db
        .collection(`users/${key.userId}/platforms/${key.platform}/${kind}`)
        .get();
      const out = new Map<string, StoredItem>();
      for (const doc of snap.docs) {
        const data = doc.data();
        const item: StoredItem = {
          id: data.id,
          createdAt: data.createdAt.toDate().toISOString(),
          text: data.text ?? null,
          metrics: data.metrics ?? {},
          ...(data.attributes !== undefined ? { attributes: data.attributes } : {}),
          deleted: data.deleted === true,
        };
        if (includeDeleted || !item.deleted) out.set(doc.id, item);
      }
      return out;
    },

    async close() {
      await harness.workers.shutdown().catch(() => undefined);
      await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
      await temporal.close();
      await firestore.close();
      await server.close();
    },
  };
  return harness;
}

export { eventually } from '../helpers/eventually';

/** Firestore items compared with the sandbox's ground truth: same ids, createdAt, text, metrics and attributes. */
export function normalizeTruth(
  items: {
    id: string;
    createdAt: string;
    text: string | null;
    metrics: Record<string, number>;
    attributes?: Record<string, unknown>;
  }[],
) {
  return new Map(
    items.map((i) => [
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
}

/**
 * Every stored field of a connection equals the sandbox's ground truth: items of every kind (all fields),
 * profile, latest insights, audience, and each daily insight the sync read (the last `dailyDays` days of it).
 */
export async function expectStoredEqualsTruth(
  engine: EngineHarness<PlatformSandbox>,
  key: ConnectionKey,
  accountId: string,
  { dailyDays }: { dailyDays?: number } = {},
): Promise<void> {
  const truth = engine.sandbox.groundTruth(accountId);
  for (const [kind, items] of Object.entries(truth.items) as [
    ItemKind,
    NonNullable<(typeof truth.items)[ItemKind]>,
  ][]) {
    expect({ kind, items: withoutDeletedFlag(await engine.storedItems(key, kind)) }).toEqual({
      kind,
      items: normalizeTruth(items),
    });
  }
  const doc = await engine.sink.readConnection(key);
  expect(doc?.profile).toEqual(truth.profile);
  expect(doc?.insights).toEqual(truth.insights);
  expect(doc?.audience).toEqual(truth.audience);
  if (dailyDays !== undefined && truth.daily) {
    const stored = await engine.storedDaily(key);
    const since = new Date(engine.clock.now() - dailyDays * 86_400_000).toISOString().slice(0, 10);
    const expected = new Map(truth.daily.filter((d) => d.date >= since).map((d) => [d.date, d.metrics]));
    expect(new Map([...stored].filter(([date]) => date >= since))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(0);
  }
}

export function withoutDeletedFlag(stored: Map<string, StoredItem>) {
  return new Map([...stored].map(([id, { deleted: _deleted, ...rest }]) => [id, rest]));
}
