/**
 * Helpers for integration tests: the run's Temporal dev server, Firestore emulator and Firebase Auth emulator
 * (started once by test/setup/global-setup.ts), a client, workers that share the run's workflow bundle, a Firestore
 * handle on a project of its own per test file (emulator projects are isolated, so files never see each other's
 * data), and Auth emulator users with real emulator ID tokens.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth, type Auth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { AUTH_EMULATOR_API_KEY } from '../../src/infra/auth-emulator';
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
    Runtime.install({
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
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
export async function testFirestore(
  name?: string,
  options: { clear?: boolean } = {},
): Promise<TestFirestore> {
  const { firestoreHost } = testServers();
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  const label =
    name ?? (typeof expect === 'undefined' ? undefined : expect.getState().testPath) ?? randomUUID();
  const projectId = `test-${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
  const app = initializeApp({ projectId }, `${projectId}-${randomUUID()}`);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const clear = () => clearEmulatorProject(firestoreHost, projectId);
  if (options.clear !== false) await clear();
  return { db, app, projectId, host: firestoreHost, clear, close: () => deleteApp(app) };
}

export interface TestAuth {
  /** firebase-admin Auth on the emulator's project; with FIREBASE_AUTH_EMULATOR_HOST set it talks to the emulator. */
  auth: Auth;
  app: App;
  projectId: string;
  /** host:port of the emulator. */
  host: string;
  /**
   * A real ID token of `uid`: the user is created in the emulator (firebase-admin) unless it exists, then signs in
   * with email and password through the emulator's client REST API (`accounts:signInWithPassword`).
   */
  signIn(uid: string): Promise<string>;
  disableUser(uid: string): Promise<void>;
  /** Revokes every token `uid` got so far (firebase-admin's revokeRefreshTokens). */
  revokeTokens(uid: string): Promise<void>;
  deleteUser(uid: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The run's Firebase Auth emulator (one project for the whole run: the emulator's client API signs users in to its
 * default project only). Users are named by the test, so files keep their uids distinct.
 */
export function testAuth(): TestAuth {
  const { authEmulatorHost: host, authProjectId: projectId } = testServers();
  // firebase-admin reads the variable when the Auth service is created and on every verification.
  process.env.FIREBASE_AUTH_EMULATOR_HOST = host;
  const app = initializeApp({ projectId }, `auth-${randomUUID()}`);
  const auth = getAuth(app);
  const emailOf = (uid: string) => `${uid.replace(/[^A-Za-z0-9._-]/g, '_')}@users.socialsync.test`;
  const passwordOf = (uid: string) => `pw-${createHash('sha256').update(uid).digest('hex').slice(0, 16)}`;

  return {
    auth,
    app,
    projectId,
    host,
    async signIn(uid) {
      try {
        await auth.createUser({ uid, email: emailOf(uid), password: passwordOf(uid) });
      } catch (err) {
        if ((err as { code?: string }).code !== 'auth/uid-already-exists') throw err;
      }
      const res = await fetch(
        `http://${host}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=${AUTH_EMULATOR_API_KEY}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: emailOf(uid), password: passwordOf(uid), returnSecureToken: true }),
        },
      );
      const body = (await res.json()) as { idToken?: string; error?: { message?: string } };
      if (!res.ok || !body.idToken) {
        throw new Error(
          `Auth emulator sign-in of ${uid} failed (${res.status}): ${body.error?.message ?? ''}`,
        );
      }
      return body.idToken;
    },
    async disableUser(uid) {
      await auth.updateUser(uid, { disabled: true });
    },
    async revokeTokens(uid) {
      // Revocation compares whole seconds (auth_time < validSince): a token issued in this very second would stay
      // valid, so let the second end first.
      await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
      await auth.revokeRefreshTokens(uid);
    },
    async deleteUser(uid) {
      await auth.deleteUser(uid);
    },
    close: () => deleteApp(app),
  };
}

/** Path of a file under the repository root. */
export function repoPath(...parts: string[]): string {
  return path.join(__dirname, '..', '..', ...parts);
}
