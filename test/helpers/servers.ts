/**
 * Helpers for integration tests: the run's Temporal dev server and Firestore emulator (started once by
 * test/setup/global-setup.ts), a client, workers that share the run's workflow bundle, and a Firestore handle on a
 * project of its own per test file (emulator projects are isolated, so files never see each other's data).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { clearEmulatorProject } from '../../src/infra/firestore-emulator';
import type { TestServersState } from '../setup/global-setup';

let cached: TestServersState | undefined;

export function testServers(): TestServersState {
  if (cached) return cached;
  const stateFile = process.env.SOCIALSYNC_TEST_STATE;
  if (!stateFile || !fs.existsSync(stateFile)) {
    throw new Error(
      'Integration test servers are not running: run the tests through jest (`npm test` or ' +
        '`npx jest --selectProjects integration`), whose global setup starts them.',
    );
  }
  cached = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TestServersState;
  return cached;
}

let runtimeQuiet = false;
/** Worker runtime logs only warnings (the default floods test output with INFO lines). */
function quietRuntime(): void {
  if (runtimeQuiet) return;
  runtimeQuiet = true;
  try {
    Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
  } catch {
    // Already installed by an earlier helper call in this worker process.
  }
}

export interface TestTemporal {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

export async function testTemporal(): Promise<TestTemporal> {
  const { temporalAddress, temporalNamespace } = testServers();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: temporalNamespace });
  return { client, connection, close: () => connection.close() };
}

/** A task queue name no other test uses. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * A worker on the run's server using the workflow code bundled once by the global setup.
 * Call `worker.run()` (or `runUntil`) yourself; `close` releases its connection after it stopped.
 */
export async function createTestWorker(
  options: Omit<WorkerOptions, 'connection' | 'workflowsPath' | 'workflowBundle' | 'namespace'> & {
    withWorkflows?: boolean;
  },
): Promise<{ worker: Worker; close(): Promise<void> }> {
  quietRuntime();
  const { temporalAddress, temporalNamespace, workflowBundlePath } = testServers();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const { withWorkflows = true, ...rest } = options;
  const worker = await Worker.create({
    connection,
    namespace: temporalNamespace,
    ...(withWorkflows ? { workflowBundle: { codePath: workflowBundlePath } } : {}),
    ...rest,
  });
  return { worker, close: () => connection.close() };
}

export interface TestFirestore {
  db: Firestore;
  app: App;
  projectId: string;
  host: string;
  /** Deletes every document of this file's project. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Firestore handle on a project id derived from the test file (or `name`), emptied first unless
 * `clear: false` (a helper process joining the project of the test that started it).
 */
export async function testFirestore(name?: string, options: { clear?: boolean } = {}): Promise<TestFirestore> {
  const { firestoreHost } = testServers();
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  const label = name ?? (typeof expect === 'undefined' ? undefined : expect.getState().testPath) ?? randomUUID();
  const projectId = `test-${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
  const app = initializeApp({ projectId }, `${projectId}-${randomUUID()}`);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const clear = () => clearEmulatorProject(firestoreHost, projectId);
  if (options.clear !== false) await clear();
  return { db, app, projectId, host: firestoreHost, clear, close: () => deleteApp(app) };
}

/** Path of a file under the repository root. */
export function repoPath(...parts: string[]): string {
  return path.join(__dirname, '..', '..', ...parts);
}
