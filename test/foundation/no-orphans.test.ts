/**
 * Servers started for a test run or `npm start` never outlive their owner: whether the owner is interrupted
 * (SIGINT, Ctrl-C) or killed outright (SIGKILL, no chance to clean up), every server process goes away.
 */
import { spawn } from 'node:child_process';
import { repoPath } from '../helpers/servers';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let owners: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const owner of owners) owner.kill('SIGKILL');
  owners = [];
});

async function startOwner(): Promise<{ owner: ReturnType<typeof spawn>; pids: number[] }> {
  const owner = spawn(
    process.execPath,
    ['--import', 'tsx', repoPath('test', 'fixtures', 'start-servers.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  owners.push(owner);
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    owner.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (.*)\n/.exec(out);
      if (match) resolve((JSON.parse(match[1]!) as { pids: number[] }).pids);
    });
    owner.once('exit', (code) => reject(new Error(`server owner exited early with ${code}`)));
  });
  return { owner, pids };
}

async function allGone(pids: number[], timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 200));
  return pids.filter(alive);
}

test.each(['SIGINT', 'SIGKILL'] as const)(
  'when the owner gets %s, no Temporal, Firestore emulator or Auth emulator process survives',
  async (signal) => {
    const { owner, pids } = await startOwner();
    // guard ×3, temporal, the Firestore emulator's shell launcher and its JVM, the Auth emulator's node at least.
    expect(pids.length).toBeGreaterThanOrEqual(7);
    expect(pids.every(alive)).toBe(true);
    owner.kill(signal);
    expect(await allGone(pids)).toEqual([]);
  },
  60_000,
);
