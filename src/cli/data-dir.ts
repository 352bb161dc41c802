/**
 * The data directory of `npm start` (default `.data/` in the working directory, `SOCIALSYNC_DATA_DIR` overrides):
 * Temporal's database, the Firestore emulator's export, the dev token key, the generated admin key, the logs,
 * `runtime.json` — where the running instance's servers are, so the CLI finds them without configuration — and
 * the embedded servers' records (`temporal/server.json`, `firestore/server.json`) while they run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlatformId } from '../platforms/types';

export const ADMIN_KEY_FILE = 'admin-api-key';
export const RUNTIME_FILE = 'runtime.json';

export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SOCIALSYNC_DATA_DIR?.trim() || '.data');
}

/**
 * Creates the data directory (and tightens an existing one) to mode 0700: it holds the dev encryption key, the admin
 * key, the logs and the databases, none of which other local users may read (finding 12 of issue 14).
 */
export function ensurePrivateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** Creates `file` if missing and sets it to 0600 (the log file: it names users, accounts and internal addresses). */
export function ensurePrivateFile(file: string): string {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  return file;
}

/**
 * ADMIN_API_KEY from the environment, or the key kept in `<dataDir>/admin-api-key` (generated on first use, mode
 * 0600). `created` tells the caller to print it, once.
 */
export function resolveAdminKey(opts: { env: NodeJS.ProcessEnv; dataDir: string }): {
  key: string;
  source: 'env' | 'file';
  created: boolean;
  file?: string;
} {
  const fromEnv = opts.env.ADMIN_API_KEY?.trim();
  if (fromEnv) return { key: fromEnv, source: 'env', created: false };
  const file = path.join(opts.dataDir, ADMIN_KEY_FILE);
  ensurePrivateDir(opts.dataDir);
  let created = false;
  try {
    fs.writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = fs.readFileSync(file, 'utf8').trim();
  if (key.length < 16) throw new Error(`${file} holds no usable key; delete it to generate a new one`);
  return { key, source: 'file', created, file };
}

/** Where a running `npm start` instance is; written when it is ready, removed when it stops. */
export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  serviceUrl: string;
  dashboardUrl: string;
  temporal: { address: string; namespace: string; uiUrl?: string; embedded: boolean };
  firestore: { emulatorHost?: string; projectId: string; embedded: boolean };
  sandboxes: Partial<Record<PlatformId, string>>;
}

/**
 * Where the guard of an embedded server (`temporal`, `firestore`) records it while it runs: a start that finds the
 * record of a server still running stops it (it was left by a start that was killed outright).
 */
export function serverRecordFile(dataDir: string, server: 'temporal' | 'firestore'): string {
  return path.join(dataDir, server, 'server.json');
}

export function writeRuntime(dataDir: string, info: RuntimeInfo): void {
  const file = path.join(dataDir, RUNTIME_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function readRuntime(dataDir: string): RuntimeInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
    // A file left behind by an instance that was killed outright describes nothing that runs.
    process.kill(info.pid, 0);
    // Nor does a zombie: killed, but not yet reaped by a parent that was killed with it.
    if (processState(info.pid) === 'Z') return undefined;
    return info;
  } catch {
    return undefined;
  }
}

/** The state letter of `pid` in /proc (Linux; `Z` = zombie), or undefined where /proc does not have it. */
function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export function removeRuntime(dataDir: string): void {
  fs.rmSync(path.join(dataDir, RUNTIME_FILE), { force: true });
}
