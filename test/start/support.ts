/**
 * Driving `npm start` as a user does: a child process in a process group of its own (a terminal's foreground job),
 * its output collected, Ctrl-C as SIGINT to the whole group; and what must be gone after it stopped: processes
 * naming the data directory, ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../../src/infra/ports';
import { repoPath } from '../helpers/servers';

export interface NpmStart {
  child: ChildProcess;
  output(): string;
  /** Resolves once `text` appeared in the output; rejects when the process exits first or after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Exit code of npm (null when ended by a signal). npm may end before the script it runs. */
  exited: Promise<number | null>;
  /** Resolves when every process writing to the output is gone: npm, `tsx` and socialsync itself. */
  closed: Promise<void>;
  /** Whether `closed` has resolved. */
  hasExited(): boolean;
  /** What Ctrl-C in the terminal does: SIGINT to the whole process group. */
  interrupt(): void;
  /** What a supervisor does after its stop timeout: SIGKILL to the whole process group. */
  kill(): void;
}

/** The environment of a clean `npm start`: none of the test run's servers, a data directory and fixed free ports. */
export async function npmStartEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The test run's own servers must not be reused: npm start has to start its own.
  for (const name of [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'FIRESTORE_EMULATOR_HOST',
    'FIREBASE_AUTH_EMULATOR_HOST',
    'SOCIALSYNC_TEST_STATE',
    'NODE_ENV',
    'ADMIN_API_KEY',
    'TOKEN_ENCRYPTION_KEYS',
    'GCLOUD_PROJECT',
  ]) {
    delete env[name];
  }
  return {
    ...env,
    SOCIALSYNC_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    SOCIALSYNC_TEMPORAL_PORT: String(await freePort()),
    SOCIALSYNC_TEMPORAL_UI_PORT: String(await freePort()),
    SOCIALSYNC_FIRESTORE_PORT: String(await freePort()),
  };
}

export function startNpm(env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn('npm', ['start'], {
    cwd: repoPath(),
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The pipes close once the last process holding them (socialsync, under npm and tsx) is gone; the servers it
  // starts write to log files, not to these pipes.
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      done = true;
      resolve();
    }),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone.
    }
  };
  return {
    child,
    output: () => output,
    exited,
    closed,
    hasExited: () => done,
    interrupt: () => signalGroup('SIGINT'),
    kill: () => signalGroup('SIGKILL'),
    waitForOutput(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.stdout!.off('data', check);
          reject(new Error(`"${text}" did not appear within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        function check() {
          if (!output.includes(text)) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve();
        }
        child.stdout!.on('data', check);
        void exited.then((code) => {
          clearTimeout(timer);
          if (!output.includes(text))
            reject(new Error(`npm start exited (${code}) before "${text}"; output:\n${output}`));
        });
        check();
      });
    },
  };
}

/** Processes whose command line names the data directory (the dev server's database, the emulator's export…). */
export function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(`${dir}/`)) found.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Polls until `done` holds or `deadlineMs` passes; resolves with whether it held. */
export async function within(deadlineMs: number, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}
