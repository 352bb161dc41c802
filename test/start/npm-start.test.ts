/**
 * The quick start, exactly: `npm start` as a child process on a clean data directory (free ports through the
 * environment). Waits for the demo user's first syncs, checks the Firestore data in the embedded emulator, the web
 * page and the CLI, then presses Ctrl-C (SIGINT to the process group, as a terminal does) and checks that every
 * process and port it started is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main';
import type { RuntimeInfo } from '../../src/cli/data-dir';
import { npmStartEnv, portOpen, processesUsing, startNpm, type NpmStart } from './support';

jest.setTimeout(300_000);

const PLATFORMS = { instagram: 'posts', twitter: 'tweets', tiktok: 'videos' } as const;

let dataDir: string;
let npm: NpmStart;

/** A value in the Firestore REST API's JSON. */
interface RestValue {
  stringValue?: string;
  timestampValue?: string;
  integerValue?: string;
  mapValue?: { fields: Record<string, RestValue> };
}

async function firestoreDoc(host: string, docPath: string): Promise<{ fields: Record<string, RestValue> }> {
  const res = await fetch(
    `http://${host}/v1/projects/socialsync-local/databases/(default)/documents/${docPath}`,
    {
      headers: { authorization: 'Bearer owner' },
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { fields: Record<string, RestValue> };
}

async function countDocs(host: string, collection: string): Promise<number> {
  let count = 0;
  let pageToken = '';
  do {
    const url = `http://${host}/v1/projects/socialsync-local/databases/(default)/documents/${collection}?pageSize=300&mask.fieldPaths=id${pageToken ? `&pageToken=${pageToken}` : ''}`;
    const page = (await (await fetch(url, { headers: { authorization: 'Bearer owner' } })).json()) as {
      documents?: unknown[];
      nextPageToken?: string;
    };
    count += page.documents?.length ?? 0;
    pageToken = page.nextPageToken ?? '';
  } while (pageToken);
  return count;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-start-'));
  const env = await npmStartEnv(dataDir);
  npm = startNpm(env);
});

afterAll(async () => {
  // Whatever happened above, nothing may outlive the test.
  if (npm.child.exitCode === null && npm.child.signalCode === null) npm.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('npm start: demo syncs land in Firestore, the web page and CLI show them, Ctrl-C stops everything', async () => {
  await npm.waitForOutput('ready; press Ctrl-C to stop', 240_000);
  expect(npm.output()).toContain('socialsync is running:');
  for (const platform of Object.keys(PLATFORMS)) {
    expect(npm.output()).toMatch(new RegExp(`demo: connected ${platform} account \\S+ through OAuth`));
    expect(npm.output()).toMatch(new RegExp(`demo: ${platform} first sync done \\(`));
  }
  const runtime = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  expect(runtime.temporal.embedded && runtime.firestore.embedded).toBe(true);
  const adminKey = fs.readFileSync(path.join(dataDir, 'admin-api-key'), 'utf8').trim();
  expect(npm.output()).toContain(`Admin API key      ${adminKey}  (new; kept in ${dataDir}/admin-api-key)`);
  expect(npm.output()).toContain(`Temporal UI        ${runtime.temporal.uiUrl}`);

  // Firestore: the documented layout, filled by the demo syncs.
  const host = runtime.firestore.emulatorHost!;
  for (const [platform, kind] of Object.entries(PLATFORMS)) {
    const doc = await firestoreDoc(host, `users/demo/platforms/${platform}`);
    expect(doc.fields.status?.stringValue).toBe('active');
    expect(doc.fields.lastSync?.timestampValue).toEqual(expect.any(String));
    expect(Number(doc.fields.profile?.mapValue?.fields.followers?.integerValue)).toBeGreaterThan(0);
    const stored = await countDocs(host, `users/demo/platforms/${platform}/${kind}`);
    expect(stored).toBeGreaterThan(0);
    expect(Number(doc.fields.counts?.mapValue?.fields[kind]?.integerValue)).toBe(stored);
  }
  // No token in plaintext: the token documents hold ciphertext only.
  const tokens = await firestoreDoc(host, '_tokens/twitter:demo');
  expect(JSON.stringify(tokens)).not.toMatch(/accessToken|refreshToken/);

  // The web page, logged in with the admin key.
  const login = await fetch(`${runtime.serviceUrl}/ui/login`, {
    method: 'POST',
    body: new URLSearchParams({ key: adminKey }),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${runtime.dashboardUrl}/users/demo`, { headers: { cookie } })).text();
  expect(page.match(/data-field="status">active</g)).toHaveLength(3);
  expect(page).toMatch(/data-field="followers">[\d,]+</);
  expect(page).toContain('Sync now');

  // The Temporal UI answers.
  expect((await fetch(runtime.temporal.uiUrl!)).status).toBe(200);

  // The CLI finds the running instance through the data directory alone.
  const out: string[] = [];
  const code = await runCli(['--json', 'status', '--user', 'demo'], {
    env: { SOCIALSYNC_DATA_DIR: dataDir, PATH: process.env.PATH },
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  expect(code).toBe(0);
  expect((JSON.parse(out.join('')) as { status: string }[]).map((r) => r.status)).toEqual([
    'active',
    'active',
    'active',
  ]);

  // Ctrl-C.
  const ports = [
    new URL(runtime.serviceUrl).port,
    runtime.temporal.address.split(':')[1],
    new URL(runtime.temporal.uiUrl!).port,
    host.split(':')[1],
    ...Object.values(runtime.sandboxes).map((u) => new URL(u!).port),
  ].map(Number);
  expect(ports).toHaveLength(7);
  npm.interrupt();
  let timer: NodeJS.Timeout | undefined;
  const exitCode = await Promise.race([
    npm.exited,
    new Promise((r) => (timer = setTimeout(() => r('timeout'), 60_000))),
  ]);
  clearTimeout(timer);
  // npm itself ends on the SIGINT the terminal sent it (or with 0 once the script is done); what counts is that
  // socialsync got to finish its own stop.
  expect(exitCode === 0 || npm.child.signalCode === 'SIGINT').toBe(true);
  await npm.waitForOutput('[socialsync] stopped', 30_000).catch(() => undefined);
  expect(npm.output()).toContain('[socialsync] stopped');
  // The guards give stubborn servers 5 s before SIGKILL.
  const deadline = Date.now() + 10_000;
  while (processesUsing(dataDir).length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  expect(processesUsing(dataDir)).toEqual([]);
  for (const port of ports) expect(await portOpen(port)).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
});
