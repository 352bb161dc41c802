/**
 * Starts ONE Temporal dev server and ONE Firestore emulator for the whole integration run, bundles the workflow
 * code once, and hands their addresses to the test files through the environment (and a state file).
 * If a server cannot be found or started, the run fails here, loudly — integration tests never skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startFirestoreEmulator, type FirestoreEmulator } from '../../src/infra/firestore-emulator';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/infra/temporal-server';

export interface TestServersState {
  dataDir: string;
  temporalAddress: string;
  temporalNamespace: string;
  firestoreHost: string;
  workflowBundlePath: string;
}

declare global {
  var __socialsyncServers: { temporal: TemporalDevServer; firestore: FirestoreEmulator; dataDir: string } | undefined;
}

export const STATE_ENV = 'SOCIALSYNC_TEST_STATE';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-test-'));
  const progress = (m: string) => process.stderr.write(`[test servers] ${m}\n`);

  const [temporal, firestore, bundle] = await Promise.all([
    startTemporalDevServer({ dataDir, onProgress: progress }),
    startFirestoreEmulator({ dataDir }),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { info() {}, warn: progress, error: progress, debug() {}, trace() {}, log() {} },
    }),
  ]).catch(async (err: unknown) => {
    throw new Error(`integration test servers could not start: ${(err as Error).message}`);
  });
  globalThis.__socialsyncServers = { temporal, firestore, dataDir };

  const workflowBundlePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  const state: TestServersState = {
    dataDir,
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    firestoreHost: firestore.host,
    workflowBundlePath,
  };
  const stateFile = path.join(dataDir, 'state.json');
  fs.writeFileSync(stateFile, JSON.stringify(state));
  process.env[STATE_ENV] = stateFile;
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  progress(
    `Temporal ${temporal.address}, Firestore emulator ${firestore.host}, workflows bundled; ready in ${Date.now() - started} ms`,
  );
}
