/**
 * The Firestore emulator of the Google Cloud CLI (Java 17+), under the process guard, on a free port.
 * Used by tests and by `npm start` when neither FIRESTORE_EMULATOR_HOST nor credentials are set.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './ports';
import { spawnGuarded, tail } from './process';

const run = promisify(execFile);
const LAUNCHER = path.join('platform', 'cloud-firestore-emulator', 'cloud_firestore_emulator');

export const INSTALL_HINT =
  'The Firestore emulator was not found. Install the Google Cloud CLI and its emulator ' +
  '(`gcloud components install cloud-firestore-emulator`, or the Debian/RPM package ' +
  '`google-cloud-cli-firestore-emulator`) and Java 17+, set FIRESTORE_EMULATOR_PATH to the ' +
  '`cloud_firestore_emulator` launcher, or set FIRESTORE_EMULATOR_HOST to an emulator you run yourself.';

/** The emulator launcher: FIRESTORE_EMULATOR_PATH, the usual SDK roots, or the root `gcloud info` names. */
export async function findFirestoreEmulator(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (env.FIRESTORE_EMULATOR_PATH) return env.FIRESTORE_EMULATOR_PATH;
  const roots = ['/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk', '/opt/google-cloud-sdk'];
  if (env.HOME) roots.push(path.join(env.HOME, 'google-cloud-sdk'));
  for (const root of roots) {
    if (fs.existsSync(path.join(root, LAUNCHER))) return path.join(root, LAUNCHER);
  }
  try {
    const { stdout } = await run('gcloud', ['info', '--format=value(installation.sdk_root)'], { env });
    const candidate = path.join(stdout.trim(), LAUNCHER);
    if (stdout.trim() && fs.existsSync(candidate)) return candidate;
  } catch {
    // No gcloud on PATH.
  }
  return undefined;
}

export interface FirestoreEmulator {
  /** host:port, the value for FIRESTORE_EMULATOR_HOST. */
  host: string;
  /**
   * Writes the project's data to `<dataDir>/firestore-export`, which the next `persist` start imports.
   * Explicit, over the emulator's export endpoint: the bare emulator has no export-on-exit of its own.
   */
  save(projectId: string): Promise<void>;
  stop(): Promise<void>;
}

const EXPORT_DIR_NAME = 'firestore-export';

export async function startFirestoreEmulator(opts: {
  dataDir: string;
  port?: number;
  /** Import `<dataDir>/firestore-export` (written by `save`) at start. */
  persist?: boolean;
  /** File the guard records the emulator in while it runs (see stopLeftover in process.ts). */
  recordFile?: string;
  /** Aborting it stops the emulator if it is still starting (the start then rejects). */
  signal?: AbortSignal;
}): Promise<FirestoreEmulator> {
  const launcher = await findFirestoreEmulator();
  if (!launcher) throw new Error(INSTALL_HINT);
  const port = opts.port || (await freePort());
  const host = `127.0.0.1:${port}`;
  const logFile = path.join(opts.dataDir, 'firestore.log');
  const args = ['start', '--host=127.0.0.1', `--port=${port}`];
  const metadata = path.join(opts.dataDir, EXPORT_DIR_NAME, `${EXPORT_DIR_NAME}.overall_export_metadata`);
  if (opts.persist && fs.existsSync(metadata)) args.push(`--import-data=${metadata}`);
  const emulator = spawnGuarded({
    command: launcher,
    args,
    logFile,
    recordFile: opts.recordFile,
    meta: { host },
  });
  let exited = false;
  void emulator.exited.then(() => (exited = true));
  try {
    await waitFor(
      'Firestore emulator',
      async () => {
        if (exited) throw new Error(`the emulator exited; its log says:\n${tail(logFile)}`);
        const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      },
      { timeoutMs: 90_000, intervalMs: 250, signal: opts.signal },
    );
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return {
    host,
    save: (projectId) => saveEmulatorData({ host, projectId, dataDir: opts.dataDir }),
    stop: () => emulator.stop(),
  };
}

/**
 * Writes a project's data to `<dataDir>/firestore-export`, which a `persist` start imports. Exports through a
 * scratch folder, then swaps it in, so a crash mid-export never leaves a half-written copy.
 */
export async function saveEmulatorData(opts: {
  host: string;
  projectId: string;
  dataDir: string;
}): Promise<void> {
  const target = path.join(opts.dataDir, EXPORT_DIR_NAME);
  const scratch = fs.mkdtempSync(path.join(opts.dataDir, 'export-'));
  try {
    const res = await fetch(`http://${opts.host}/emulator/v1/projects/${opts.projectId}:export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        database: `projects/${opts.projectId}/databases/(default)`,
        export_directory: scratch,
      }),
      signal: AbortSignal.timeout(20_000),
    });
    if (!res.ok) throw new Error(`Firestore emulator export failed: HTTP ${res.status} ${await res.text()}`);
    // The emulator writes `<scratch>/firestore_export_<n>/firestore_export_<n>.overall_export_metadata`; the
    // metadata names its files relative to itself, so the folder can take the fixed name the importer expects.
    const [written] = fs.readdirSync(scratch);
    if (!written) throw new Error('Firestore emulator export wrote nothing');
    const folder = path.join(scratch, written);
    fs.renameSync(
      path.join(folder, `${written}.overall_export_metadata`),
      path.join(folder, `${EXPORT_DIR_NAME}.overall_export_metadata`),
    );
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(folder, target);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Deletes every document of one project in the emulator (projects are isolated from each other). */
export async function clearEmulatorProject(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`clearing emulator project ${projectId} failed: HTTP ${res.status}`);
}
