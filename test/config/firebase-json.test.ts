/**
 * `firebase deploy --only firestore` (docs/store.md): firebase.json names the rules and the index file, both exist,
 * the index file passes the same validation firebase-tools runs before deploying, and the rules compile in the
 * emulator (test/store/rules.test.ts exercises what they allow). The store's queries are listed below: all but one
 * are served by the single-field indexes Firestore creates itself; the X refresh rotation needs the composite index
 * (deleted, updatedAt) on `tweets`, which the file declares.
 */
import fs from 'node:fs';
import { repoPath } from '../helpers/servers';

interface FirebaseJson {
  firestore: { rules: string; indexes: string };
}

const config = JSON.parse(fs.readFileSync(repoPath('firebase.json'), 'utf8')) as FirebaseJson;

test('firebase.json points at the rules and indexes in the repository', () => {
  expect(Object.keys(config)).toEqual(['firestore']);
  expect(config.firestore).toEqual({ rules: 'firestore.rules', indexes: 'firestore.indexes.json' });
  expect(fs.existsSync(repoPath(config.firestore.rules))).toBe(true);
  expect(fs.existsSync(repoPath(config.firestore.indexes))).toBe(true);
});

test('the index file passes the validation of firebase-tools deploy, with the TTL policies', () => {
  // The validator `firebase deploy` runs (FirestoreApi.deploy → upgradeOldSpec → validateSpec), without the network.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FirestoreApi } = require('firebase-tools/lib/firestore/api') as {
    FirestoreApi: new () => {
      upgradeOldSpec(spec: unknown): unknown;
      validateSpec(spec: unknown): void;
    };
  };
  const api = new FirestoreApi();
  const spec = JSON.parse(fs.readFileSync(repoPath(config.firestore.indexes), 'utf8')) as {
    indexes: unknown[];
    fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean }[];
  };
  expect(() => api.validateSpec(api.upgradeOldSpec(spec))).not.toThrow();
  expect(spec.fieldOverrides.filter((f) => f.ttl).map((f) => `${f.collectionGroup}.${f.fieldPath}`)).toEqual([
    '_oauthStates.expiresAt',
    '_webhookEvents.expiresAt',
  ]);
});

test('the composite indexes of the X refresh rotation and of deletion marking are declared', () => {
  const spec = JSON.parse(fs.readFileSync(repoPath(config.firestore.indexes), 'utf8')) as {
    indexes: {
      collectionGroup: string;
      queryScope: string;
      fields: { fieldPath: string; order: string }[];
    }[];
  };
  expect(spec.indexes).toEqual([
    {
      collectionGroup: 'tweets',
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'deleted', order: 'ASCENDING' },
        { fieldPath: 'updatedAt', order: 'ASCENDING' },
      ],
    },
    // Deletion marking (markUnseenDeleted): equality on deleted, range on createdAt, != on lastSeenSync.
    ...['posts', 'stories', 'tweets', 'videos'].map((collectionGroup) => ({
      collectionGroup,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'deleted', order: 'ASCENDING' },
        { fieldPath: 'createdAt', order: 'ASCENDING' },
        { fieldPath: 'lastSeenSync', order: 'ASCENDING' },
      ],
    })),
  ]);
});

test('every Firestore query in src is reviewed (single-field, or its composite index declared above)', () => {
  // Each query the code runs, as written; a new query fails this test until it is added here and, if it combines
  // fields (equality + range/order on different fields), to firestore.indexes.json.
  const KNOWN = [
    ".where('kid', '!=', current)", // _tokens: rotation
    ".where('deleted', '==', false)", // items: deletion marking (composite index deleted+createdAt+lastSeenSync)
    ".where('createdAt', '>=', Timestamp.fromDate(from))",
    ".where('createdAt', '<=', Timestamp.fromDate(to))",
    ".where('lastSeenSync', '!=', syncId)",
    ".where('deleted', '==', false)", // items: count
    ".where('createdAt', '>=', Timestamp.fromDate(createdSince))", // tweets: young items to refresh, one field
    ".where('deleted', '==', false)", // tweets: refresh rotation, with the order below (composite index)
    ".orderBy('updatedAt', 'asc')",
    ".orderBy(`metrics.${RANKING_METRIC}`, 'desc')", // items: dashboard top items, one field
    '.orderBy(FieldPath.documentId())', // platforms (collection group): dashboard users page, by path
    '.where(FieldPath.documentId()', // the same, a user-id prefix as a path range
    '.where(FieldPath.documentId()',
    ".where('status', 'in', [...PROBLEM_STATUSES])", // platforms (collection group): the field override above
    ".orderBy('date', 'desc')", // insights: dashboard trends, one field
    ".orderBy('createdAt', 'desc')", // items: dashboard engagement, one field
  ];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !full.includes('/sandbox/'))
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/\.(where|orderBy)\([^)]*\)?\)?/g))
          found.push(m[0]);
    }
  };
  walk(repoPath('src'));
  expect(found.sort()).toEqual([...KNOWN].sort());
});
