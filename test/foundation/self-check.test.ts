/**
 * The first end-to-end proof: a real worker on the real Temporal dev server runs a workflow whose activity writes a
 * document through firebase-admin into the real Firestore emulator; and a worker killed (SIGKILL) in the middle of
 * that activity is replaced by a new one, with the workflow completing exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSelfCheckActivities } from '../../src/activities/self-check';
import { selfCheckWorkflow } from '../../src/workflows/self-check';
import {
  createTestWorker,
  repoPath,
  testFirestore,
  testTemporal,
  uniqueTaskQueue,
  type TestFirestore,
  type TestTemporal,
} from '../helpers/servers';

let temporal: TestTemporal;
let firestore: TestFirestore;

beforeAll(async () => {
  temporal = await testTemporal();
  firestore = await testFirestore();
});

afterAll(async () => {
  await temporal?.close();
  await firestore?.close();
});

test('a workflow runs its activity on a real worker and the write lands in Firestore', async () => {
  const taskQueue = uniqueTaskQueue('self-check');
  const { worker, close } = await createTestWorker({
    taskQueue,
    activities: createSelfCheckActivities({ db: firestore.db, workerName: 'in-process' }),
  });
  const checkId = randomUUID();
  const result = await worker.runUntil(
    temporal.client.workflow.execute(selfCheckWorkflow, {
      taskQueue,
      workflowId: `self-check-${checkId}`,
      args: [{ checkId, steps: 1, stepMs: 10 }],
    }),
  );
  await close();

  expect(result).toEqual({ checkId, attempt: 1, worker: 'in-process' });
  const doc = await firestore.db.doc(`_selfChecks/${checkId}`).get();
  expect(doc.exists).toBe(true);
  expect(doc.data()).toMatchObject({ checkId, attempt: 1, worker: 'in-process' });
  expect(doc.get('writtenAt').toDate()).toBeInstanceOf(Date);
});

function startChildWorker(taskQueue: string): { child: ChildProcess; activityStarted: Promise<void> } {
  // Node itself with tsx as a loader (not the tsx CLI, which would put the worker in a grandchild process that
  // survives the SIGKILL).
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      repoPath('test', 'fixtures', 'self-check-worker.ts'),
      taskQueue,
      'doomed',
      expect.getState().testPath!,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const activityStarted = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ACTIVITY_STARTED')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child worker exited early (${code}): ${stderr}`)));
  });
  return { child, activityStarted };
}

test('a worker killed mid-activity is replaced and the workflow completes exactly once', async () => {
  const taskQueue = uniqueTaskQueue('self-check-kill');
  const checkId = randomUUID();
  const workflowId = `self-check-${checkId}`;

  const { child, activityStarted } = startChildWorker(taskQueue);
  const handle = await temporal.client.workflow.start(selfCheckWorkflow, {
    taskQueue,
    workflowId,
    // Long enough that the doomed worker is surely inside the activity when it dies.
    args: [{ checkId, steps: 40, stepMs: 250 }],
  });
  await activityStarted;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect((await firestore.db.doc(`_selfChecks/${checkId}`).get()).exists).toBe(false);

  const { worker, close } = await createTestWorker({
    taskQueue,
    activities: createSelfCheckActivities({ db: firestore.db, workerName: 'replacement' }),
  });
  const result = await worker.runUntil(handle.result());
  await close();

  // The heartbeat timeout handed the activity to the new worker as attempt 2.
  expect(result).toEqual({ checkId, attempt: 2, worker: 'replacement' });
  const doc = await firestore.db.doc(`_selfChecks/${checkId}`).get();
  expect(doc.data()).toMatchObject({ attempt: 2, worker: 'replacement' });

  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const count = (key: string) => events.filter((e) => (e as Record<string, unknown>)[key] != null).length;
  expect(count('workflowExecutionCompletedEventAttributes')).toBe(1);
  expect(count('activityTaskCompletedEventAttributes')).toBe(1);
  expect(count('activityTaskScheduledEventAttributes')).toBe(1);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
}, 90_000);
