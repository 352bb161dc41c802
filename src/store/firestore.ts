/**
 * The Firestore handle of socialsync over firebase-admin. With FIRESTORE_EMULATOR_HOST set, firebase-admin talks to
 * the emulator and needs no credentials; otherwise it uses Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS or the metadata server).
 */
import { deleteApp, getApps, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

export type { Firestore };

export interface CreateFirestoreOptions {
  projectId: string;
  /**
   * Name of the firebase-admin app. Each name owns one Firestore client, so tests can hold handles on several
   * emulator projects at once. Default: `socialsync:{projectId}`.
   */
  appName?: string;
}

const apps = new WeakMap<Firestore, App>();

/**
 * Against the emulator no Google credentials are needed, yet the gRPC client still asks Application Default
 * Credentials for its "universe domain", which probes the GCE metadata server (169.254.169.254) over the network.
 * Turn that probe off whenever the emulator is in use (an explicit METADATA_SERVER_DETECTION wins).
 */
export function avoidMetadataServerWithEmulator(env: NodeJS.ProcessEnv = process.env): void {
  if (env.FIRESTORE_EMULATOR_HOST && !env.METADATA_SERVER_DETECTION) env.METADATA_SERVER_DETECTION = 'none';
}

/** Returns the Firestore of the named app, creating app and client on first use (same name → same handle). */
export function createFirestore({
  projectId,
  appName = `socialsync:${projectId}`,
}: CreateFirestoreOptions): Firestore {
  const existing = getApps().find((app) => app.name === appName);
  if (existing) {
    if (existing.options.projectId !== projectId) {
      throw new Error(`firebase app "${appName}" already exists for project "${existing.options.projectId}"`);
    }
    return getFirestore(existing);
  }
  avoidMetadataServerWithEmulator();
  const app = initializeApp({ projectId }, appName);
  // ignoreUndefinedProperties: optional fields of our records (e.g. `refreshToken`) are simply left out instead of
  // making the whole write throw.
  // (firebase-admin's initializeFirestore only takes `preferRest`, so the client is configured before first use.)
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  apps.set(db, app);
  return db;
}

/** Closes the client and deletes its app (tests and graceful shutdown). Safe to call twice. */
export async function closeFirestore(db: Firestore): Promise<void> {
  const app = apps.get(db);
  apps.delete(db);
  if (app && getApps().includes(app)) await deleteApp(app);
  else await db.terminate();
}
