/**
 * Finds the Temporal CLI (dev server + UI) or builds it, in this order:
 *  1. TEMPORAL_CLI_PATH
 *  2. `temporal` on PATH
 *  3. a copy built before, in the cache directory (~/.cache/socialsync/bin) or Go's bin directory
 *  4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into the cache directory (minutes, once)
 * and otherwise returns undefined, so the caller can fall back to the SDK's own download (needs internet).
 * v1.5.1 is pinned: newer tags carry a `replace` directive in go.mod, which `go install` refuses.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const run = promisify(execFile);

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'socialsync');
}

function isExecutable(file: string | undefined): file is string {
  if (!file) return false;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function goBinDirs(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dirs = [env.GOBIN, env.GOPATH && path.join(env.GOPATH, 'bin'), path.join(os.homedir(), 'go', 'bin')];
  try {
    const { stdout } = await run('go', ['env', 'GOBIN', 'GOPATH'], { env });
    const [gobin, gopath] = stdout.split('\n');
    dirs.push(gobin, gopath && path.join(gopath, 'bin'));
  } catch {
    // No Go toolchain: only the directories named by the environment count.
  }
  return dirs.filter((d): d is string => Boolean(d));
}

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-bin' | 'built';

/** An existing binary, without building anything. */
export async function findTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ path: string; source: CliSource } | undefined> {
  if (env.TEMPORAL_CLI_PATH) {
    if (isExecutable(env.TEMPORAL_CLI_PATH))
      return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
    throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = path.join(cacheDir(env), 'bin', 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  for (const dir of await goBinDirs(env)) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return { path: candidate, source: 'go-bin' };
  }
  return undefined;
}

async function hasGo(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run('go', ['version'], { env });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the CLI with `go install` into the cache directory. Progress (elapsed time) goes to `onProgress` every
 * 15 s; the build output goes to `<cache>/temporal-build.log`.
 */
export async function buildTemporalCli(opts: {
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
}): Promise<string> {
  const env = opts.env ?? process.env;
  const binDir = path.join(cacheDir(env), 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  const logFile = path.join(cacheDir(env), 'temporal-build.log');
  const log = fs.openSync(logFile, 'w');
  const started = Date.now();
  opts.onProgress?.(
    `building the Temporal CLI (${TEMPORAL_CLI_MODULE}) with go install; this takes a few minutes once`,
  );
  const ticker = setInterval(
    () =>
      opts.onProgress?.(`still building the Temporal CLI… ${Math.round((Date.now() - started) / 1000)} s`),
    15_000,
  );
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], {
        env: { ...env, GOBIN: binDir },
        stdio: ['ignore', log, log],
      });
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      const output = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
      throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}):\n${output}`);
    }
  } finally {
    clearInterval(ticker);
    fs.closeSync(log);
  }
  const binary = path.join(binDir, 'temporal');
  opts.onProgress?.(`built ${binary} in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

/** Finds the CLI or builds it when Go is available; undefined means "use the SDK's download". */
export async function provisionTemporalCli(
  opts: { env?: NodeJS.ProcessEnv; onProgress?: (message: string) => void } = {},
): Promise<{ path: string; source: CliSource } | undefined> {
  const env = opts.env ?? process.env;
  const found = await findTemporalCli(env);
  if (found) return found;
  if (!(await hasGo(env))) return undefined;
  return { path: await buildTemporalCli({ env, onProgress: opts.onProgress }), source: 'built' };
}
