/**
 * The `socialsync` CLI against a real service (sandboxes, Temporal, Firestore emulator): connect through the
 * sandbox consent page, status table, sync --wait, schedules, sandbox controls, rotate-keys in a child process,
 * and the exit codes of the error paths.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getFirestore } from 'firebase-admin/firestore';
import { getApps } from 'firebase-admin/app';
import { runCli } from '../../src/cli/main';
import { repoPath } from '../helpers/servers';
import { startInProcess, type InProcessSocialsync } from './support/in-process';

const exec = promisify(execFile);
jest.setTimeout(120_000);

let s: InProcessSocialsync;
beforeAll(async () => {
  s = await startInProcess('cli');
});
afterAll(async () => {
  await s?.close();
});

async function cli(args: string[], env: NodeJS.ProcessEnv = s.cliEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function waitForActive(userId: string, platform: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await cli(['--json', 'status', '--user', userId, '--platform', platform]);
    const [row] = JSON.parse(r.out) as Record<string, unknown>[];
    if (row?.status === 'active' && row.lastSync) return row;
    if (Date.now() > deadline) throw new Error(`not active in time: ${r.out}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

test('connect --approve answers the consent page, the initial sync lands, status shows it as a table', async () => {
  const connected = await cli(['connect', 'twitter', '--user', 'carol', '--approve']);
  expect(connected.err).toBe('');
  expect(connected.code).toBe(0);
  const accountId = s.sandboxes.twitter.sandbox.accountIds()[0]!;
  expect(connected.out).toContain(`Connected twitter account ${accountId} for carol`);

  const row = await waitForActive('carol', 'twitter');
  const truth = s.sandboxes.twitter.sandbox.groundTruth(accountId);
  expect((row.counts as Record<string, number>).tweets).toBe(truth.items.tweets!.length);

  const table = await cli(['status', '--user', 'carol']);
  expect(table.code).toBe(0);
  const lines = table.out.split('\n');
  expect(lines[0]).toMatch(/^USER\s+PLATFORM\s+STATUS\s+LAST SYNC/);
  expect(lines.find((l) => l.includes('twitter'))).toMatch(/carol\s+twitter\s+active\s+\S+Z\s+initial/);
  expect(lines.find((l) => l.includes('instagram'))).toMatch(/carol\s+instagram\s+not connected/);
});

test('connect without --approve prints the authorize URL of the platform', async () => {
  const r = await cli(['--json', 'connect', 'tiktok', '--user', 'dave']);
  expect(r.code).toBe(0);
  const { authorizeUrl } = JSON.parse(r.out) as { authorizeUrl: string };
  expect(authorizeUrl.startsWith(`${s.sandboxes.tiktok.url}/v2/auth/authorize/`)).toBe(true);
  expect(new URL(authorizeUrl).searchParams.get('redirect_uri')).toBe(`${s.url}/oauth/tiktok/callback`);
});

test('sandbox add-post, then sync --wait stores the new post with the platform value', async () => {
  await waitForActive('carol', 'twitter');
  const added = await cli([
    '--json',
    'sandbox',
    'add-post',
    '--platform',
    'twitter',
    '--sandbox-url',
    s.sandboxes.twitter.url,
    '--text',
    'from the CLI test',
    '--likes',
    '42',
  ]);
  expect(added.code).toBe(0);
  const { id } = JSON.parse(added.out) as { id: string };

  const synced = await cli(['sync', '--user', 'carol', '--platform', 'twitter', '--wait']);
  expect(synced.code).toBe(0);
  expect(synced.out).toMatch(/sync:carol:twitter:manual:\d+\s+manual\s+\d+/);

  const app = getApps().find((a) => a.name === `socialsync:${s.projectId}`)!;
  const doc = await getFirestore(app).doc(`users/carol/platforms/twitter/tweets/${id}`).get();
  expect(doc.get('text')).toBe('from the CLI test');
  expect(doc.get('metrics.likes')).toBe(42);
});

test('schedules list, pause, resume and trigger act on sync:{userId}:{platform}', async () => {
  await waitForActive('carol', 'twitter');
  expect(
    (await cli(['schedules', 'pause', '--user', 'carol', '--platform', 'twitter', '--note', 'maintenance']))
      .code,
  ).toBe(0);
  let list = await cli(['schedules', 'list', '--user', 'carol']);
  expect(list.out).toMatch(/sync:carol:twitter\s+paused\s+1h\s.*maintenance/);
  const handle = (await s.service.client.schedule.getHandle('sync:carol:twitter').describe()).state;
  expect(handle.paused).toBe(true);

  expect((await cli(['schedules', 'resume', '--user', 'carol', '--platform', 'twitter'])).code).toBe(0);
  list = await cli(['--json', 'schedules', 'list', '--user', 'carol']);
  expect(JSON.parse(list.out)).toEqual([
    expect.objectContaining({ id: 'sync:carol:twitter', paused: false }),
  ]);

  const triggered = await cli(['schedules', 'trigger', '--user', 'carol', '--platform', 'twitter']);
  expect(triggered.out).toBe('Schedule sync:carol:twitter triggered.');
  const deadline = Date.now() + 30_000;
  let actions = 0;
  while (actions === 0 && Date.now() < deadline) {
    actions = (await s.service.client.schedule.getHandle('sync:carol:twitter').describe()).info.recentActions
      .length;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(actions).toBeGreaterThan(0);
});

test('sandbox webhook is delivered to the service and accepted', async () => {
  await waitForActive('carol', 'twitter');
  const r = await cli([
    'sandbox',
    'webhook',
    '--platform',
    'twitter',
    '--sandbox-url',
    s.sandboxes.twitter.url,
  ]);
  expect(r.code).toBe(0);
  expect(r.out).toBe(`Delivered to ${s.url}/webhooks/twitter: HTTP 200`);
});

test('sandbox advance moves the shared clock of every platform', async () => {
  const before = s.sandboxes.clock.now();
  const r = await cli(['sandbox', 'advance', '2h', '--sandbox-url', s.sandboxes.tiktok.url]);
  expect(r.code).toBe(0);
  expect(s.sandboxes.clock.now() - before).toBeGreaterThanOrEqual(2 * 3_600_000);
  expect(r.out).toMatch(/^Sandbox clock is now \d{4}-/);
});

test('errors: usage 2, refused 1, wrong key 1 with a hint, unreachable 3', async () => {
  const usage = await cli(['sync', '--user', 'carol']);
  expect(usage.code).toBe(2);
  expect(usage.err).toContain("required option '--platform <platform>' not specified");

  const platform = await cli(['status', '--user', 'carol', '--platform', 'myspace']);
  expect(platform).toMatchObject({ code: 2, err: expect.stringContaining('unknown platform "myspace"') });

  const missing = await cli(['sync', '--user', 'nobody', '--platform', 'twitter']);
  expect(missing).toMatchObject({ code: 1, err: 'error: the service answered 404: no such connection' });

  const wrongKey = await cli(['status', '--user', 'carol'], { ...s.cliEnv, ADMIN_API_KEY: 'wrong' });
  expect(wrongKey.code).toBe(1);
  expect(wrongKey.err).toContain('answered 401');
  expect(wrongKey.err).toContain('hint: check ADMIN_API_KEY');

  const down = await cli(['status', '--user', 'carol'], {
    ...s.cliEnv,
    SOCIALSYNC_URL: 'http://127.0.0.1:9',
  });
  expect(down.code).toBe(3);
  expect(down.err).toContain('cannot reach the socialsync service at http://127.0.0.1:9');
});

test('`tsx src/cli/main.ts rotate-keys` re-encrypts stored tokens with the first key (child process)', async () => {
  await waitForActive('carol', 'twitter');
  const newKey = `k2:${Buffer.alloc(32, 7).toString('base64')}`;
  // The service encrypted with the dev key in the data directory; the CLI gets a keyring whose first key is new and
  // which still holds that dev key ("dev" is its key id) so it can decrypt.
  const fs = await import('node:fs');
  const devKey = fs.readFileSync(`${s.dataDir}/token-encryption.key`, 'utf8').trim();
  const { stdout } = await exec(
    repoPath('node_modules', '.bin', 'tsx'),
    ['src/cli/main.ts', '--json', 'rotate-keys'],
    {
      cwd: repoPath(),
      env: { ...s.cliEnv, TOKEN_ENCRYPTION_KEYS: `${newKey},dev:${devKey}` },
    },
  );
  const result = JSON.parse(stdout) as { rewritten: number; kid: string; keyring: string };
  expect(result).toMatchObject({ kid: 'k2', keyring: 'env' });
  expect(result.rewritten).toBeGreaterThanOrEqual(1);
  const app = getApps().find((a) => a.name === `socialsync:${s.projectId}`)!;
  const tokenDoc = await getFirestore(app).doc('_tokens/twitter:carol').get();
  expect(JSON.stringify(tokenDoc.data())).toContain('"k2"');
});
