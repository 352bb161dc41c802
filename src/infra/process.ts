import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const GUARD = path.join(__dirname, 'guard.js');

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
}): GuardedProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [GUARD, String(process.pid), opts.command, ...opts.args],
    {
      stdio: ['ignore', log, log],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    },
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
