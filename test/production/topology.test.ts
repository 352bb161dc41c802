/**
 * The production topology of docker-compose.yml, as processes (issue 15, item 5): the compiled code (`npm run build`,
 * `node dist/src/cli/main.js start --role …`) in NODE_ENV=production — one `service` and two `worker` processes —
 * against the run's Temporal dev server, reached through an envconfig TOML profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE; plain, the dev server serves no TLS), and an explicitly named Firestore emulator, with the platform served by a
 * sandbox this test runs as an external HTTP server and names through the platform's variables, exactly as a real
 * platform would be configured (production refuses in-process sandboxes).
 *
 * Users connect through the service's OAuth flow (the public base URL is `https`, as production demands: the test
 * plays the TLS-terminating proxy and delivers the platform's redirect to the service's local port), their initial
 * syncs start, one worker is SIGKILLed in the middle of them, and every sync still completes with Firestore equal to
 * the platform's ground truth. The workers' `/readyz` and `/metrics` (process and Temporal SDK metrics, behind the
 * metrics bearer token) are checked on the way.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServiceApi } from '../../src/cli/api';
import { approveConsent } from '../../src/cli/oauth-driver';
import type { ItemKind } from '../../src/domain';
import { freePort } from '../../src/infra/ports';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { normalizeTruth, withoutDeletedFlag, type StoredItem } from '../engine/harness';
import { eventually } from '../helpers/eventually';
import { repoPath, testFirestore, testServers, type TestFirestore } from '../helpers/servers';

jest.setTimeout(600_000);

const run = promisify(execFile);
const VIDEO_LIST = 'POST /v2/video/list/';
const USERS = 3;

interface Proc {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

let sandbox: TikTokSandbox;
let server: RunningServer;
let firestore: TestFirestore;
let dataDir: string;
const procs: Proc[] = [];
let env: NodeJS.ProcessEnv;
const metricsToken = randomBytes(24).toString('base64url');

function startRole(name: string, role: 'service' | 'worker', extra: NodeJS.ProcessEnv): Proc {
  const child = spawn(
    process.execPath,
    [repoPath('dist', 'src', 'cli', 'main.js'), 'start', '--role', role],
    { cwd: repoPath(), env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc = { name, child, output: () => out, exited };
  procs.push(proc);
  return proc;
}

async function ready(url: string, proc: Proc): Promise<void> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await eventually(
    `${proc.name} ready at ${url}`,
    async () => {
      if (exited) throw new Error(`${proc.name} exited:\n${proc.output()}`);
      return (await fetch(url).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
}

async function storedItems(userId: string, kind: ItemKind): Promise<Map<string, StoredItem>> {
  const snap = await firestore.db.collection(`users/${userId}/platforms/tiktok/${kind}`).get();
  const out = new Map<string, StoredItem>();
  for (const doc of snap.docs) {
    const data = doc.data();
    if (data.deleted === true) continue;
    out.set(doc.id, {
      id: data.id,
      createdAt: data.createdAt.toDate().toISOString(),
      text: data.text ?? null,
      metrics: data.metrics ?? {},
      ...(data.attributes !== undefined ? { attributes: data.attributes } : {}),
      deleted: false,
    });
  }
  return out;
}

beforeAll(async () => {
  // The compiled code is what production runs; an incremental build is quick when nothing changed.
  await run('npm', ['run', 'build'], { cwd: repoPath(), maxBuffer: 16 * 2 ** 20 });

  const frozenAt = Date.now();
  // Frozen platform time: metrics stay put, so Firestore can be compared with the ground truth exactly.
  sandbox = createTikTokSandbox({
    clock: new SandboxClock(() => frozenAt),
    seed: 515,
    accounts: USERS,
    itemsPerAccount: 300,
    autoApprove: true,
  });
  server = await listen(sandbox.handler);
  firestore = await testFirestore();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-topology-'));
  const { temporalAddress, temporalNamespace } = testServers();
  // Temporal through an envconfig TOML profile, as a deployment names Temporal Cloud or its cluster.
  const profileFile = path.join(dataDir, 'temporal.toml');
  fs.writeFileSync(
    profileFile,
    `[profile.topology]\naddress = "${temporalAddress}"\nnamespace = "${temporalNamespace}"\n`,
  );
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    TEMPORAL_CONFIG_FILE: profileFile,
    TEMPORAL_PROFILE: 'topology',
    FIRESTORE_EMULATOR_HOST: firestore.host,
    GCLOUD_PROJECT: firestore.projectId,
    METADATA_SERVER_DETECTION: 'none',
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_API_KEY: randomBytes(32).toString('base64url'),
    PUBLIC_BASE_URL: 'https://socialsync.test',
    METRICS_BEARER_TOKEN: metricsToken,
    SYNC_INTERVAL: '1h',
    // Production asks for the credentials of every platform it serves: this deployment serves TikTok only.
    PLATFORMS: 'tiktok',
    SOCIALSYNC_TASK_QUEUE_PREFIX: `topology-${randomUUID()}`,
    SOCIALSYNC_DATA_DIR: dataDir,
    ...sandbox.env(server.url),
  };
}, 300_000);

afterAll(async () => {
  for (const p of procs)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await firestore?.close();
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('one service and two workers in production: a worker SIGKILLed mid-sync, every sync completes exactly', async () => {
  const servicePort = await freePort();
  const [portA, portB] = [await freePort(), await freePort()];
  const service = startRole('service', 'service', { PORT: String(servicePort) });
  // Worker B starts once worker A is inside the syncs (below): with both polling from the start, a sync of a few
  // page batches can go to B alone, and A would have nothing to be killed in.
  const workerA = startRole('worker A', 'worker', { WORKER_HTTP_PORT: String(portA) });
  const serviceUrl = `http://127.0.0.1:${servicePort}`;
  await ready(`${serviceUrl}/readyz`, service);
  await ready(`http://127.0.0.1:${portA}/readyz`, workerA);
  // The service role runs no workers; the worker role serves no API.
  expect(service.output()).toContain('service role running (no workers)');
  expect(service.output()).not.toContain('workers running');
  expect((await fetch(`http://127.0.0.1:${portA}/api/users/u/connections/tiktok`)).status).toBe(404);

  // Slow pages, so the kill surely lands inside the syncs (300 videos = 15+ pages each, 15 s and more per walk,
  // while worker B takes a few seconds to start).
  sandbox.faults.add({ endpoint: VIDEO_LIST, latencyMs: 1_000 });
  const api = new ServiceApi({ baseUrl: serviceUrl, adminApiKey: env.ADMIN_API_KEY! });
  const users: { userId: string; accountId: string }[] = [];
  for (const accountId of sandbox.accountIds().slice(0, USERS)) {
    const login = await fetch(`${server.url}/_sandbox/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId }),
    });
    expect(login.status).toBe(200);
    const userId = `topology-${randomUUID().slice(0, 8)}`;
    const { authorizeUrl, callbackCookie } = await api.startConnect(userId, 'tiktok');
    const callback = new URL(await approveConsent(authorizeUrl));
    // The platform redirects the browser to the public https URL; the proxy in front of the service forwards it.
    expect(callback.origin).toBe('https://socialsync.test');
    const res = await fetch(`${serviceUrl}${callback.pathname}${callback.search}`, {
      headers: { accept: 'application/json', ...(callbackCookie ? { cookie: callbackCookie } : {}) },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('connected');
    users.push({ userId, accountId });
  }

  // Worker A takes part: it has made platform calls when it is killed, and some pages are stored.
  const metricsOf = async (port: number) =>
    (
      await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${metricsToken}` },
      })
    ).text();
  await eventually(
    'worker A to sync some pages',
    async () =>
      /socialsync_platform_api_calls_total\{platform="tiktok"[^}]*\} [1-9]/.test(await metricsOf(portA)),
    { timeoutMs: 120_000 },
  );
  await eventually(
    'some videos stored',
    async () => (await storedItems(users[0]!.userId, 'videos')).size >= 20,
    { timeoutMs: 120_000 },
  );
  const workerB = startRole('worker B', 'worker', { WORKER_HTTP_PORT: String(portB) });
  await ready(`http://127.0.0.1:${portB}/readyz`, workerB);
  // Still mid-sync: some user's videos are not all stored yet.
  const stored = await Promise.all(users.map(({ userId }) => storedItems(userId, 'videos')));
  expect(
    users.some(
      ({ accountId }, i) => stored[i]!.size < (sandbox.groundTruth(accountId).items.videos ?? []).length,
    ),
  ).toBe(true);
  workerA.child.kill('SIGKILL');
  await workerA.exited;
  sandbox.faults.clear();

  for (const { userId } of users) {
    await eventually(
      `the initial sync of ${userId} to complete`,
      async () => {
        const status = await api.statusOrUndefined(userId, 'tiktok');
        if (status?.status === 'error' || status?.status === 'needs_reauth')
          throw new Error(`${userId}: ${status.status} ${status.error ?? ''}`);
        return status?.status === 'active' && Boolean(status.lastSync);
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
  }

  // Every video exactly once (ids are document ids), every field equal to the platform's; profile and insights too.
  for (const { userId, accountId } of users) {
    const truth = sandbox.groundTruth(accountId);
    for (const [kind, items] of Object.entries(truth.items) as [ItemKind, never[]][]) {
      expect({ userId, kind, items: withoutDeletedFlag(await storedItems(userId, kind)) }).toEqual({
        userId,
        kind,
        items: normalizeTruth(items),
      });
    }
    const doc = (await firestore.db.doc(`users/${userId}/platforms/tiktok`).get()).data();
    expect(doc?.profile).toEqual(truth.profile);
    expect(doc?.status).toBe('active');
  }

  // The surviving worker's endpoints: ready, and metrics only with the bearer token.
  expect((await fetch(`http://127.0.0.1:${portB}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${portB}/metrics`)).status).toBe(401);
  const metrics = await metricsOf(portB);
  expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
  expect(metrics).toMatch(/^temporal_worker_task_slots_available\{/m);
  expect(metrics).toMatch(/^socialsync_platform_api_calls_total\{platform="tiktok"/m);
  // No token reached any process's log.
  const logs = procs.map((p) => p.output()).join('\n');
  expect(logs).not.toContain(env.ADMIN_API_KEY!);
  expect(logs).not.toContain(metricsToken);

  // SIGTERM: the survivors drain and exit 0.
  for (const p of [service, workerB]) p.child.kill('SIGTERM');
  expect(await service.exited).toBe(0);
  expect(await workerB.exited).toBe(0);
  expect(workerB.output()).toContain('worker process stopped');
});
