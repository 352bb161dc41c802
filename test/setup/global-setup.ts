/**
 * Starts ONE Temporal dev server, ONE Firestore emulator and ONE Firebase Auth emulator (firebase-tools) for the
 * whole integration run, in parallel, bundles the workflow code once, and hands their addresses to the test files
 * through the environment (and a state file).
 * If a server cannot be found or started, the run fails here, loudly — integration tests never skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startAuthEmulator, type AuthEmulator } from '../../src/infra/auth-emulator';
import { startFirestoreEmulator, type FirestoreEmulator } from '../../src/infra/firestore-emulator';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/infra/temporal-server';

export interface TestServersState {
  dataDir: string;
  temporalAddress: string;
  temporalNamespace: string;
  firestoreHost: string;
  /** host:port of the Auth emulator (FIREBASE_AUTH_EMULATOR_HOST) and the one project its users live in. */
  authEmulatorHost: string;
  authProjectId: string;
  workflowBundlePath: string;
}

declare global {
  var __socialsyncServers:
    | { temporal: TemporalDevServer; firestore: FirestoreEmulator; auth: AuthEmulator; dataDir: string }
    | undefined;
}

export const STATE_ENV = 'SOCIALSYNC_TEST_STATE';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-test-'));
  const progress = (m: string) => process.stderr.write(`[test servers] ${m}\n`);

  const times: string[] = [];
  const timed = <T>(what: string, start: Promise<T>) =>
    start.then((value) => (times.push(`${what} ${Date.now() - started} ms`), value));
  const starting = [
    timed('Temporal', startTemporalDevServer({ dataDir, onProgress: progress })),
    timed('Firestore', startFirestoreEmulator({ dataDir })),
    timed('Auth', startAuthEmulator({ dataDir })),
  ] as const;
  const [temporal, firestore, auth, bundle] = await Promise.all([
    ...starting,
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { info() {}, warn: progress, error: progress, debug() {}, trace() {}, log() {} },
    }),
  ]).catch(async (err: unknown) => {
    // Whatever did start must not outlive the failed setup.
    await Promise.allSettled(starting.map((s) => s.then((server) => server.stop())));
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`integration test servers could not start: ${(err as Error).message}`);
  });
  globalThis.__socialsyncServers = { temporal, firestore, auth, dataDir };

  const workflowBundlePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  const state: TestServersState = {
    dataDir,
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    firestoreHost: firestore.host,
    authEmulatorHost: auth.host,
    authProjectId: auth.projectId,
    workflowBundlePath,
  };
  const stateFile = path.join(dataDir, 'state.json');
  fs.writeFileSync(stateFile, JSON.stringify(state));
  process.env[STATE_ENV] = stateFile;
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  // The emulator needs no Google credentials: never probe the GCE metadata server (see src/store/firestore.ts).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  process.env.FIREBASE_AUTH_EMULATOR_HOST = auth.host;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  progress(
    `Temporal ${temporal.address}, Firestore emulator ${firestore.host}, Auth emulator ${auth.host}, workflows ` +
      `bundled; ready in ${Date.now() - started} ms (${times.join(', ')})`,
  );
}
