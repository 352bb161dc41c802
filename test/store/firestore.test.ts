/** createFirestore against the run's emulator: named apps, settings, close. */
import { randomUUID } from 'node:crypto';
import { closeFirestore, createFirestore } from '../../src/store/firestore';
import { testServers } from '../helpers/servers';

beforeAll(() => {
  process.env.FIRESTORE_EMULATOR_HOST = testServers().firestoreHost;
});

it('returns one handle per app name, ignores undefined fields, and closes', async () => {
  const projectId = `test-create-${randomUUID().slice(0, 8)}`;
  const db = createFirestore({ projectId });
  expect(createFirestore({ projectId })).toBe(db);
  const other = createFirestore({ projectId, appName: 'second' });
  expect(other).not.toBe(db);

  await db.doc('probe/a').set({ kept: 1, dropped: undefined });
  expect((await other.doc('probe/a').get()).data()).toEqual({ kept: 1 });

  expect(() => createFirestore({ projectId: 'another-project', appName: 'second' })).toThrow(
    /already exists/,
  );
  await closeFirestore(db);
  await closeFirestore(other);
  // After closing, the name is free again and gives a working client.
  const again = createFirestore({ projectId });
  expect((await again.doc('probe/a').get()).get('kept')).toBe(1);
  await closeFirestore(again);
});
