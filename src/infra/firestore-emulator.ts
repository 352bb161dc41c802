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
export async function findFirestoreEmulator(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
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
  stop(): Promise<void>;
}

export async function startFirestoreEmulator(opts: {
  dataDir: string;
  port?: number;
  /** Export the data to `<dataDir>/firestore-export` on stop and import it on the next start. */
  persist?: boolean;
}): Promise<FirestoreEmulator> {
  const launcher = await findFirestoreEmulator();
  if (!launcher) throw new Error(INSTALL_HINT);
  const port = opts.port || (await freePort());
  const host = `127.0.0.1:${port}`;
  const logFile = path.join(opts.dataDir, 'firestore.log');
  const exportDir = path.join(opts.dataDir, 'firestore-export');
  const args = ['start', '--host=127.0.0.1', `--port=${port}`];
  if (opts.persist) {
    args.push(`--export-on-exit=${exportDir}`);
    const metadata = path.join(exportDir, 'firestore-export.overall_export_metadata');
    if (fs.existsSync(metadata)) args.push(`--import-data=${metadata}`);
  }
  const emulator = spawnGuarded({ command: launcher, args, logFile });
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
      { timeoutMs: 90_000, intervalMs: 250 },
    );
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return { host, stop: () => emulator.stop() };
}

/** Deletes every document of one project in the emulator (projects are isolated from each other). */
export async function clearEmulatorProject(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`clearing emulator project ${projectId} failed: HTTP ${res.status}`);
}
