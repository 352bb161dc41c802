/**
 * Saves the Firestore emulator's data into `<emulatorDataDir>/firestore-export`, where `startFirestoreEmulator({
 * persist: true })` imports it on the next start. Done explicitly before stopping, over the emulator's export
 * endpoint: the emulator's own `--export-on-exit` does not get to run when its process group is stopped
 * (the process guard kills the JVM as soon as the launcher script exits).
 */
import fs from 'node:fs';
import path from 'node:path';

export const EXPORT_DIR_NAME = 'firestore-export';

export async function exportEmulatorData(opts: {
  host: string;
  projectId: string;
  emulatorDataDir: string;
}): Promise<void> {
  const target = path.join(opts.emulatorDataDir, EXPORT_DIR_NAME);
  const scratch = fs.mkdtempSync(path.join(opts.emulatorDataDir, 'export-'));
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
