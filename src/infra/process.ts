import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const GUARD = path.join(__dirname, 'guard.js');

/**
 * What a guard writes to its record file while its command runs (and removes when the command ends): enough for a
 * later start to find a server whose owner and guard were killed outright, and to stop exactly that one.
 */
export interface ServerRecord {
  /** Pid of the command, which leads its own process group. */
  pid: number;
  command: string;
  /** The process's start time in clock ticks (`/proc/<pid>/stat`), to tell it from a later process with its pid. */
  startTicks?: string;
  startedAt: string;
  /** What the starter recorded beside it (e.g. the emulator's host). */
  meta?: Record<string, string>;
}

export interface GuardedProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts `command` under guard.js, which kills its whole process group when this process dies or is interrupted.
 * Output goes to `logFile` (servers are chatty; the file is where to look when one fails to start).
 */
export function spawnGuarded(opts: {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File the guard keeps a ServerRecord in while the command runs (see `stopLeftover`). */
  recordFile?: string;
  meta?: Record<string, string>;
}): GuardedProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  if (opts.recordFile) {
    fs.mkdirSync(path.dirname(opts.recordFile), { recursive: true });
    env.SOCIALSYNC_GUARD_RECORD = opts.recordFile;
    env.SOCIALSYNC_GUARD_META = JSON.stringify(opts.meta ?? {});
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [GUARD, String(process.pid), opts.command, ...opts.args],
    { stdio: ['ignore', log, log], env, cwd: opts.cwd },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** The start time of `pid` in clock ticks since boot, where /proc has it (Linux). */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Stops the server a record file names, if it still runs: a start that was killed outright (SIGKILL of its process
 * group takes the guard along) leaves its servers running, in process groups of their own. `beforeStop` runs first
 * (e.g. saving the emulator's data). The process group gets SIGTERM, then SIGKILL after `graceMs`. Returns the
 * record of a server that was stopped; a stale record (nothing runs, or its pid now belongs to another process) is
 * just removed.
 */
export async function stopLeftover(
  recordFile: string,
  beforeStop?: (record: ServerRecord) => Promise<void>,
  graceMs = 5_000,
): Promise<ServerRecord | undefined> {
  let record: ServerRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
  const same =
    Number.isInteger(record.pid) &&
    record.pid > 1 &&
    groupAlive(record.pid) &&
    (record.startTicks === undefined || processStartTicks(record.pid) === record.startTicks);
  if (!same) {
    fs.rmSync(recordFile, { force: true });
    return undefined;
  }
  await beforeStop?.(record).catch(() => undefined);
  try {
    process.kill(-record.pid, 'SIGTERM');
  } catch {
    // Gone meanwhile.
  }
  if (!(await waitUntil(() => !groupAlive(record.pid), graceMs))) {
    try {
      process.kill(-record.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    await waitUntil(() => !groupAlive(record.pid), 2_000);
  }
  fs.rmSync(recordFile, { force: true });
  return record;
}
