/**
 * Replay: the committed histories in test/replay/histories/ (recorded by test/replay/record.ts from real runs of
 * every workflow type) must replay without a determinism error against the current workflow bundle (the one the
 * global setup builds from src/workflows). A failure here means a change would break workflows that are running:
 * guard it with `patched()` or ship it on a versioned task queue (docs/sync-engine.md).
 * `before-status-writer-*.json` were recorded by the same script with the code from before the connection workflow
 * became a state machine and the one writer of `status`: runs started then must keep replaying.
 * `before-issue-13-*.json` were recorded before the speed and reconnect patches (sync-concurrent-batched-walks,
 * refresh-by-ids, reconnect-supersedes-sync, local-bookkeeping); the unprefixed ones with the current code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { testServers } from '../helpers/servers';
import { historyFromJSON } from './history-json';

const DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

beforeAll(() => {
  try {
    // Warnings only: replay workers otherwise log every state change at INFO.
    Runtime.install({
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
  } catch {
    // Already installed in this jest worker.
  }
});

function load(file: string) {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return { workflowId: path.basename(file, '.json'), history, workflowType: started?.workflowType?.name };
}

test('the histories cover every workflow type that runs for a connection', () => {
  expect(new Set(files.map((f) => load(f).workflowType))).toEqual(
    new Set(['connectionWorkflow', 'syncWorkflow', 'scheduledSyncWorkflow']),
  );
});

test('every committed history replays with the current workflow code', async () => {
  const results: { workflowId: string; error?: string }[] = [];
  const replayed = Worker.runReplayHistories(
    { workflowBundle: { codePath: testServers().workflowBundlePath } },
    files.map((f) => load(f)),
  );
  for await (const result of replayed) {
    results.push({ workflowId: result.workflowId, ...(result.error ? { error: result.error.message } : {}) });
  }
  expect(results).toEqual(files.map((f) => ({ workflowId: path.basename(f, '.json') })));
});

test('replay notices a change that would break a running connection workflow', async () => {
  // A connection workflow whose first command is a timer instead of the recorded activity.
  const { workflowId, history } = load('connection-webhook-reauth.json');
  await expect(
    Worker.runReplayHistory(
      { workflowsPath: require.resolve('./fixtures/incompatible-workflows') },
      history,
      workflowId,
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
