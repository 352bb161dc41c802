/**
 * `npm start` keeps its data across restarts: the Firestore emulator's data through `save` + import at the next
 * persisted start, Temporal's through its database file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startFirestoreEmulator } from '../../src/infra/firestore-emulator';
import { startTemporalDevServer } from '../../src/infra/temporal-server';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-persist-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const owner = { authorization: 'Bearer owner', 'content-type': 'application/json' };

test('Firestore emulator data saved before stop is there after a restart', async () => {
  let emulator = await startFirestoreEmulator({ dataDir, persist: true });
  const docs = (host: string) => `http://${host}/v1/projects/persist-test/databases/(default)/documents`;
  const write = await fetch(`${docs(emulator.host)}/things?documentId=kept`, {
    method: 'POST',
    headers: owner,
    body: JSON.stringify({ fields: { note: { stringValue: 'survives restarts' } } }),
  });
  expect(write.status).toBe(200);
  await emulator.save('persist-test');
  await emulator.stop();

  emulator = await startFirestoreEmulator({ dataDir, persist: true });
  try {
    const read = await fetch(`${docs(emulator.host)}/things/kept`, { headers: owner });
    expect(read.status).toBe(200);
    expect((await read.json()) as unknown).toMatchObject({
      fields: { note: { stringValue: 'survives restarts' } },
    });
  } finally {
    await emulator.stop();
  }
}, 60_000);

test('Temporal dev server keeps workflow history in its database file across a restart', async () => {
  let server = await startTemporalDevServer({ dataDir, persist: true });
  let connection = await Connection.connect({ address: server.address });
  await new Client({ connection }).workflow.start('neverRuns', {
    taskQueue: 'persist-test',
    workflowId: 'persisted-workflow',
  });
  await connection.close();
  await server.stop();

  server = await startTemporalDevServer({ dataDir, persist: true });
  connection = await Connection.connect({ address: server.address });
  try {
    const described = await new Client({ connection }).workflow.getHandle('persisted-workflow').describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.type).toBe('neverRuns');
  } finally {
    await connection.close();
    await server.stop();
  }
}, 60_000);
