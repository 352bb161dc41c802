/**
 * `NODE_ENV=production npm start` refuses every dev fallback: with nothing configured it exits non-zero, names each
 * missing setting in one message and starts nothing — no data directory, no listening port, no process left behind
 * (no Temporal dev server, no emulator, no sandbox). The same for a configuration with only unsafe values.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/infra/ports';
import { repoPath } from '../helpers/servers';

jest.setTimeout(120_000);

/** Variables the test run sets for its own servers; a production start must not see them. */
const RUN_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'FIRESTORE_EMULATOR_HOST',
  'FIREBASE_AUTH_EMULATOR_HOST',
  'SOCIALSYNC_TEST_STATE',
  'GCLOUD_PROJECT',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_APPLICATION_CREDENTIALS',
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-production-start-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Processes that inherited `marker` in their environment: anything the start spawned and left running. */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker))
        found.push(
          `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 160)}`,
        );
    } catch {
      // Gone while we looked, or not ours.
    }
  }
  return found;
}

interface Started {
  code: number | null;
  output: string;
  ports: number[];
  marker: string;
  dataDir: string;
}

async function productionStart(extra: Record<string, string>): Promise<Started> {
  const marker = `socialsync-production-test-${randomUUID()}`;
  const dataDir = path.join(dir, 'data');
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of RUN_VARIABLES) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'production',
    SOCIALSYNC_DATA_DIR: dataDir,
    PORT: String(ports[0]),
    SOCIALSYNC_TEMPORAL_PORT: String(ports[1]),
    SOCIALSYNC_TEMPORAL_UI_PORT: String(ports[2]),
    SOCIALSYNC_FIRESTORE_PORT: String(ports[3]),
    SOCIALSYNC_PRODUCTION_TEST_MARKER: marker,
    ...extra,
  });
  const child = spawn('npm', ['start'], { cwd: repoPath(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, output, ports, marker, dataDir };
}

async function expectNothingStarted(started: Started): Promise<void> {
  expect(fs.existsSync(started.dataDir)).toBe(false);
  for (const port of started.ports) expect(await portOpen(port)).toBe(false);
  expect(processesWith(started.marker)).toEqual([]);
}

test('nothing configured: exit code 2, every missing setting named once, nothing started', async () => {
  const started = await productionStart({});
  expect(started.code).toBe(2);
  expect(started.output).toContain('Invalid configuration:');
  for (const name of [
    'TEMPORAL_ADDRESS: not set',
    'GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT): not set',
    'ADMIN_API_KEY: not set',
    'PUBLIC_BASE_URL: not set',
    'TOKEN_ENCRYPTION_KEYS: not set',
    'INSTAGRAM_CLIENT_ID, INSTAGRAM_CLIENT_SECRET: not set',
    'TWITTER_CLIENT_ID, TWITTER_CLIENT_SECRET: not set',
    'TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET: not set',
  ]) {
    expect(started.output.split(name)).toHaveLength(2);
  }
  // Nothing of what a dev start prints: no embedded server, no emulator, no sandbox, no generated key.
  expect(started.output).not.toMatch(
    /starting the Temporal dev server|Firestore emulator…|sandbox platforms|Admin API key/,
  );
  await expectNothingStarted(started);
});

test('unsafe values are refused by name, secrets are not echoed, nothing started', async () => {
  const shortKey = 'short-admin-key-value';
  const started = await productionStart({
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    GOOGLE_CLOUD_PROJECT: 'acme-prod',
    ADMIN_API_KEY: shortKey,
    PUBLIC_BASE_URL: 'http://sync.example.com',
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
    PLATFORMS: 'tiktok',
    TIKTOK_CLIENT_KEY: 'key',
    TIKTOK_CLIENT_SECRET: 'secret',
  });
  expect(started.code).toBe(2);
  const lines = started.output.split('\n').filter((l) => l.startsWith('  - '));
  expect(lines).toEqual([
    expect.stringMatching(/^ {2}- FIREBASE_AUTH_EMULATOR_HOST: set: /),
    '  - ADMIN_API_KEY: must be at least 32 characters',
    '  - PUBLIC_BASE_URL: must be an https URL (got "http://sync.example.com")',
  ]);
  expect(started.output).not.toContain(shortKey);
  await expectNothingStarted(started);
});
