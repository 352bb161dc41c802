/**
 * Temporal by configuration against the run's real dev server: `socialsync setup temporal` registers the search
 * attributes on a namespace reached only through a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, no
 * TEMPORAL_ADDRESS), idempotently, and refuses conflicting attributes without changing anything; then the whole
 * service — client and workers — runs a real sync in that namespace, configured by nothing but the profile.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Runtime } from '@temporalio/worker';
import { runCli } from '../../src/cli/main';
import { startService, type RunningService } from '../../src/cli/service';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/infra/ports';
import { startSandboxes, subscribeSandboxWebhooks, type SandboxSet } from '../../src/sandbox';
import { silentLogger } from '../../src/shared/logger';
import { eventually } from '../helpers/eventually';
import { testFirestore, testServers, type TestFirestore } from '../helpers/servers';

jest.setTimeout(120_000);

const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
const TEXT = 1;

let dir: string;
let connection: Connection;
let profileFile: string;

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A namespace of its own on the dev server, ready for operator calls (the server's namespace cache lags a moment). */
async function freshNamespace(): Promise<string> {
  const namespace = `setup-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await eventually(`namespace ${namespace}`, async () => {
    await connection.operatorService.listSearchAttributes({ namespace });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  });
  return namespace;
}

async function customAttributes(namespace: string): Promise<Record<string, number>> {
  const { customAttributes: found } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(Object.entries(found ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** The environment of a CLI or service configured by the profile only (no TEMPORAL_ADDRESS). */
function profileEnv(profile: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SOCIALSYNC_DATA_DIR: path.join(dir, 'data'),
    TEMPORAL_CONFIG_FILE: profileFile,
    TEMPORAL_PROFILE: profile,
  };
}

function writeProfiles(profiles: Record<string, { address: string; namespace: string }>): void {
  const text = Object.entries(profiles)
    .map(([name, p]) => `[profile.${name}]\naddress = "${p.address}"\nnamespace = "${p.namespace}"\n`)
    .join('\n');
  fs.writeFileSync(profileFile, text);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-setup-temporal-'));
  profileFile = path.join(dir, 'temporal.toml');
  connection = await Connection.connect({ address: testServers().temporalAddress });
});
afterAll(async () => {
  await connection?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('setup temporal', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await freshNamespace();
    writeProfiles({ fresh: { address: testServers().temporalAddress, namespace } });
  });

  it('registers UserId, Platform, SyncMode as Keyword on a namespace reached through a profile', async () => {
    expect(await customAttributes(namespace)).not.toHaveProperty('UserId');
    const r = await cli(['setup', 'temporal'], profileEnv('fresh'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Temporal ${testServers().temporalAddress} namespace ${namespace}`);
    expect(r.out).toMatch(/UserId\s+Keyword\s+added/);
    expect(r.out).toMatch(/Platform\s+Keyword\s+added/);
    expect(r.out).toMatch(/SyncMode\s+Keyword\s+added/);
    expect(r.out).toContain(`Added 3 search attribute(s) to namespace "${namespace}".`);
    expect(await customAttributes(namespace)).toMatchObject({
      UserId: KEYWORD,
      Platform: KEYWORD,
      SyncMode: KEYWORD,
    });
  });

  it('is idempotent: a second run says they are present and changes nothing', async () => {
    const before = await customAttributes(namespace);
    const r = await cli(['setup', 'temporal'], profileEnv('fresh'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/UserId\s+Keyword\s+already present/);
    expect(r.out).toContain(`Nothing to do: namespace "${namespace}" already has every search attribute`);
    expect(await customAttributes(namespace)).toEqual(before);

    const json = await cli(['--json', 'setup', 'temporal'], profileEnv('fresh'));
    expect(JSON.parse(json.out)).toEqual({
      address: testServers().temporalAddress,
      namespace,
      searchAttributes: [
        { name: 'UserId', type: 'Keyword', action: 'present' },
        { name: 'Platform', type: 'Keyword', action: 'present' },
        { name: 'SyncMode', type: 'Keyword', action: 'present' },
      ],
    });
  });

  it('TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE alone work as before', async () => {
    const r = await cli(['setup', 'temporal'], {
      PATH: process.env.PATH,
      SOCIALSYNC_DATA_DIR: path.join(dir, 'data'),
      TEMPORAL_ADDRESS: testServers().temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Nothing to do');
  });

  it('an attribute of another type stops it before anything is added', async () => {
    const clash = await freshNamespace();
    await connection.operatorService.addSearchAttributes({
      namespace: clash,
      searchAttributes: { UserId: TEXT },
    });
    await eventually('UserId as Text', async () => (await customAttributes(clash)).UserId === TEXT);
    writeProfiles({ clash: { address: testServers().temporalAddress, namespace: clash } });
    const r = await cli(['setup', 'temporal'], profileEnv('clash'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('UserId is Text, needs Keyword');
    expect(r.err).toContain('Nothing was added');
    const after = await customAttributes(clash);
    expect(after).not.toHaveProperty('Platform');
    expect(after).not.toHaveProperty('SyncMode');
  });

  it('errors: a namespace that does not exist (1), an unknown profile (2), an unreachable server (3)', async () => {
    writeProfiles({ ghost: { address: testServers().temporalAddress, namespace: 'no-such-namespace' } });
    const ghost = await cli(['setup', 'temporal'], profileEnv('ghost'));
    expect(ghost.code).toBe(1);
    expect(ghost.err).toContain('namespace "no-such-namespace" does not exist');

    const unknown = await cli(['setup', 'temporal'], profileEnv('staging'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/TEMPORAL_PROFILE: Profile 'staging' not found/);

    const down = await cli(['setup', 'temporal'], {
      PATH: process.env.PATH,
      SOCIALSYNC_DATA_DIR: path.join(dir, 'data'),
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(down.code).toBe(3);
    expect(down.err).toContain('cannot reach Temporal at 127.0.0.1:1');
  });
});

describe('the service and its workers configured by a profile alone', () => {
  let sandboxes: SandboxSet;
  let service: RunningService;
  let firestore: TestFirestore;
  let namespace: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    try {
      Runtime.install({
        logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
      });
    } catch {
      // Already installed in this jest worker.
    }
    namespace = await freshNamespace();
    writeProfiles({ app: { address: testServers().temporalAddress, namespace } });
    env = profileEnv('app');
    // The namespace is prepared exactly as an operator would prepare an existing cluster.
    expect((await cli(['setup', 'temporal'], env)).code).toBe(0);

    firestore = await testFirestore();
    sandboxes = await startSandboxes({ seed: 21, platforms: ['tiktok'], accounts: 1, itemsPerAccount: 9 });
    const port = await freePort();
    const adminKey = `admin-${randomUUID()}`;
    Object.assign(env, {
      ADMIN_API_KEY: adminKey,
      SOCIALSYNC_URL: `http://127.0.0.1:${port}`,
    });
    const config = loadConfig({
      ...sandboxes.env(),
      ...env,
      NODE_ENV: 'test',
      PLATFORMS: 'tiktok',
      FIRESTORE_EMULATOR_HOST: firestore.host,
      GCLOUD_PROJECT: firestore.projectId,
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      SYNC_INTERVAL: '1h',
    });
    // Nothing but the profile named the server and the namespace.
    expect(config.TEMPORAL_ADDRESS).toBe(testServers().temporalAddress);
    expect(config.TEMPORAL_NAMESPACE).toBe(namespace);
    service = await startService({
      config,
      dataDir: path.join(dir, 'data'),
      logger: silentLogger,
      workflowBundle: { codePath: testServers().workflowBundlePath },
      taskQueuePrefix: `profile-${randomUUID()}`,
      now: () => sandboxes.clock.now(),
      host: '127.0.0.1',
    });
    await subscribeSandboxWebhooks(sandboxes, service.url);
  });
  afterAll(async () => {
    await service?.close();
    await sandboxes?.close();
    await firestore?.close();
  });

  it('connects, syncs every video into Firestore, and the sync is found by its search attributes', async () => {
    const connected = await cli(['connect', 'tiktok', '--user', 'pat', '--approve'], env);
    expect(connected.err).toBe('');
    expect(connected.code).toBe(0);
    const accountId = sandboxes.tiktok!.sandbox.accountIds()[0]!;
    const truth = sandboxes.tiktok!.sandbox.groundTruth(accountId);

    await eventually(
      'the initial sync',
      async () => {
        const r = await cli(['--json', 'status', '--user', 'pat', '--platform', 'tiktok'], env);
        const [row] = JSON.parse(r.out) as { status: string; lastSync?: string }[];
        return row?.status === 'active' && Boolean(row.lastSync);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const stored = await firestore.db.collection('users/pat/platforms/tiktok/videos').get();
    expect(stored.docs.map((d) => d.id).sort()).toEqual(truth.items.videos!.map((v) => v.id).sort());

    // The workflows ran in the profile's namespace with the attributes `setup temporal` registered.
    expect(service.client.options.namespace).toBe(namespace);
    await eventually('the sync in the visibility store', async () => {
      for await (const wf of service.client.workflow.list({
        query: 'UserId = "pat" AND Platform = "tiktok"',
      }))
        if (wf.searchAttributes.SyncMode) return true;
      return false;
    });
  });
});
