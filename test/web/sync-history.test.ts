/**
 * The dashboard's sync history against the real Temporal dev server when Temporal cannot answer: no connection
 * workflow at all, and a connection workflow with no worker polling (a query would wait forever; the deadline ends
 * it). The page then says what is unavailable instead of hanging or failing.
 */
import { randomUUID } from 'node:crypto';
import { connectionWorkflowId } from '../../src/workflows/definitions';
import { temporalSyncHistory } from '../../src/webhooks/pages';
import { testTemporal, uniqueTaskQueue, type TestTemporal } from '../helpers/servers';

let t: TestTemporal;

beforeAll(async () => {
  t = await testTemporal();
});
afterAll(async () => {
  await t?.close();
});

test('no connection workflow: no runs, the summaries named as unavailable', async () => {
  const history = await temporalSyncHistory({ client: t.client, timeoutMs: 2_000 }).history({
    userId: `nobody-${randomUUID()}`,
    platform: 'twitter',
  });
  expect(history.runs).toEqual([]);
  expect(history.unavailable).toHaveLength(1);
  expect(history.unavailable[0]).toMatch(/^sync summaries \(the connection workflow did not answer/);
  expect(history.error).toBeUndefined();
});

test('a connection workflow no worker serves: the query is cut at the deadline, the list still answers', async () => {
  const key = { userId: `idle-${randomUUID()}`, platform: 'tiktok' as const };
  const handle = await t.client.workflow.start('connectionWorkflow', {
    workflowId: connectionWorkflowId(key),
    taskQueue: uniqueTaskQueue('no-worker'),
    args: [{ userId: key.userId, platform: key.platform, accountId: 'a' }],
  });
  try {
    const history = await temporalSyncHistory({ client: t.client, timeoutMs: 1_000 }).history(key);
    expect(history.runs).toEqual([]);
    expect(history.unavailable).toEqual([expect.stringMatching(/^sync summaries/)]);
  } finally {
    await handle.terminate('test done');
  }
});

test('a user id that cannot go into a visibility query is refused there, not interpolated', async () => {
  const history = await temporalSyncHistory({ client: t.client, timeoutMs: 1_000 }).history({
    userId: 'o"r',
    platform: 'instagram',
  });
  expect(history.unavailable).toContainEqual(expect.stringMatching(/^sync runs list .*cannot be put into/));
});
