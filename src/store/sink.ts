/**
 * The Firestore sink: everything a sync writes about a connection (docs/contract.md → Firestore).
 *
 * Every write is idempotent (document id = platform id, field-level merge), so an activity retried after a crash
 * rewrites the same documents with the same values. Maps that mirror the platform's current answer (`metrics`,
 * `profile`, `insights`, `audience`) are written with `mergeFields`, which REPLACES the whole map: a metric the
 * platform stopped returning disappears instead of lingering from an older sync.
 */
import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type Firestore,
} from 'firebase-admin/firestore';
import type { AccountSnapshot, Item, ItemKind } from '../platforms/types';
import { chunk, MAX_BATCH_WRITES, writeInBatches } from './batches';
import { paths } from './paths';
import type { ConnectionDoc, ConnectionUsage, SyncSink } from './types';
import type { ConnectionKey } from '../domain';

/** Per-kind maps of the platform document that `updateConnection` merges kind by kind (see `toConnectionWrite`). */
const PER_KIND_FIELDS = ['counts', 'cursors', 'pending'] as const;

export interface FieldWrite {
  data: DocumentData;
  /** Top-level (or dotted) field paths whose values replace what is stored; everything else is left alone. */
  mergeFields: string[];
}

function toTimestamp(iso: string, what: string): Timestamp {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`${what}: ${JSON.stringify(iso)} is not a valid instant`);
  return Timestamp.fromDate(date);
}

/** Metric values the platform returned, as they are: absent stays absent (never 0), non-numbers are dropped. */
function cleanMetrics(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)),
  );
}

/** The stored shape of one item. `attributes` is replaced when given and kept when an update carries none. */
export function toItemWrite(item: Item, syncId: string): FieldWrite {
  const data: DocumentData = {
    id: item.id,
    createdAt: toTimestamp(item.createdAt, `item ${item.id} createdAt`),
    text: item.text,
    metrics: cleanMetrics(item.metrics),
    updatedAt: FieldValue.serverTimestamp(),
    lastSeenSync: syncId,
    // An item seen again is alive again (e.g. a post un-archived after we marked it deleted).
    deleted: false,
    deletedAt: FieldValue.delete(),
  };
  if (item.attributes !== undefined) data.attributes = item.attributes;
  return { data, mergeFields: Object.keys(data) };
}

/**
 * The platform document fields of an account snapshot. The snapshot is the platform's whole current answer, so
 * `insights` or `audience` missing from it are removed from the document too (e.g. an account that fell below the
 * platform's follower threshold for demographics).
 */
export function toAccountWrite(snapshot: Omit<AccountSnapshot, 'usage'>): FieldWrite {
  const data: DocumentData = {
    accountId: snapshot.accountId,
    profile: snapshot.profile,
    insights: snapshot.insights === undefined ? FieldValue.delete() : cleanMetrics(snapshot.insights),
    audience: snapshot.audience ?? FieldValue.delete(),
    // Replaced as a whole: a metric that became available again leaves the map.
    unavailable: snapshot.unavailable ?? FieldValue.delete(),
    accountUpdatedAt: FieldValue.serverTimestamp(),
  };
  return { data, mergeFields: Object.keys(data) };
}

/**
 * A `ConnectionDoc` patch as a Firestore write. Fields in the patch replace their stored values; fields left out
 * (or `undefined`) are untouched. `counts`, `cursors` and `pending` are merged per item kind, so the engine can
 * save the checkpoint of one kind without rewriting the others.
 */
export function toConnectionWrite(patch: Partial<ConnectionDoc>): FieldWrite {
  const data: DocumentData = {};
  const mergeFields: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if ((PER_KIND_FIELDS as readonly string[]).includes(field)) {
      const perKind: DocumentData = {};
      for (const [kind, kindValue] of Object.entries(value as Record<string, unknown>)) {
        if (kindValue === undefined) continue;
        perKind[kind] = kindValue;
        mergeFields.push(`${field}.${kind}`);
      }
      if (Object.keys(perKind).length > 0) data[field] = perKind;
      continue;
    }
    const instant = (field === 'lastSync' || field === 'pausedUntil') && value instanceof Date;
    data[field] = instant ? Timestamp.fromDate(value) : value;
    mergeFields.push(field);
  }
  data.updatedAt = FieldValue.serverTimestamp();
  mergeFields.push('updatedAt');
  return { data, mergeFields };
}

function toDate(value: unknown): Date | null {
  if (value instanceof Timestamp) return value.toDate();
  if (value instanceof Date) return value;
  return null;
}

/** The stored platform document as the engine sees it: Timestamps become Dates, unknown fields are dropped. */
export function fromConnectionData(data: DocumentData): ConnectionDoc {
  const doc: ConnectionDoc = {
    accountId: typeof data.accountId === 'string' ? data.accountId : '',
    // A document written only by writeAccount (no status yet) belongs to a connection still being set up.
    status: data.status ?? 'connecting',
    lastSync: toDate(data.lastSync),
    lastSyncMode: data.lastSyncMode ?? null,
  };
  if (data.pausedUntil !== undefined) doc.pausedUntil = toDate(data.pausedUntil);
  const fields = [
    'profile',
    'insights',
    'audience',
    'error',
    'counts',
    'cursors',
    'pending',
    'unavailable',
    'webhooks',
    'business',
    'usage',
  ] as const;
  for (const field of fields) {
    if (data[field] !== undefined) (doc as unknown as Record<string, unknown>)[field] = data[field];
  }
  return doc;
}

function assertKinds(kind: ItemKind, items: readonly Item[]): void {
  const wrong = items.find((item) => item.kind !== kind);
  if (wrong) throw new Error(`item ${wrong.id} is a ${wrong.kind} item, not ${kind}`);
}

export function createFirestoreSink(db: Firestore): SyncSink {
  const markDeleted = async (
    key: ConnectionKey,
    kind: ItemKind,
    ids: readonly string[],
  ): Promise<string[]> => {
    const refs = [...new Set(ids)].map((id) => db.doc(paths.itemDoc(key, kind, id)));
    // Only documents that exist and are not yet deleted: a webhook may name an item we never stored, and a
    // tombstone without `createdAt`/`text` would break the item shape clients rely on.
    const toMark: DocumentReference[] = [];
    for (const part of chunk(refs, MAX_BATCH_WRITES)) {
      if (part.length === 0) continue;
      const snaps = await db.getAll(...part, { fieldMask: ['deleted'] });
      for (const snap of snaps) if (snap.exists && snap.get('deleted') !== true) toMark.push(snap.ref);
    }
    await writeInBatches({
      db,
      entries: toMark,
      write: (batch, ref) => batch.update(ref, { deleted: true, deletedAt: FieldValue.serverTimestamp() }),
    });
    return toMark.map((ref) => ref.id);
  };

  return {
    async writeItems(key, kind, items, { syncId }) {
      assertKinds(kind, items);
      // Last occurrence wins if a page repeats an id; one write per document keeps batches predictable.
      const unique = [...new Map(items.map((item) => [item.id, item])).values()];
      return writeInBatches({
        db,
        entries: unique,
        write: (batch, item) => {
          const { data, mergeFields } = toItemWrite(item, syncId);
          batch.set(db.doc(paths.itemDoc(key, kind, item.id)), data, { mergeFields });
        },
      });
    },

    async markUnseenDeleted(key, kind, { syncId, from, to }) {
      // Only the unseen live items come back (usually none): every item write sets `lastSeenSync` and `deleted`, so
      // `!=` misses no stored item. Before, every item of the range was read back each sync (issue 13: the largest
      // query cost of a sync, and one billed read per item on Firestore). Range and inequality filters on two fields
      // need the composite index (deleted, createdAt, lastSeenSync) per item kind, in firestore.indexes.json.
      const snap = await db
        .collection(paths.itemCollection(key, kind))
        .where('deleted', '==', false)
        .where('createdAt', '>=', Timestamp.fromDate(from))
        .where('createdAt', '<=', Timestamp.fromDate(to))
        .where('lastSeenSync', '!=', syncId)
        .select()
        .get();
      return markDeleted(
        key,
        kind,
        snap.docs.map((doc) => doc.id),
      );
    },

    async markDeleted(key, kind, ids) {
      await markDeleted(key, kind, ids);
    },

    async writeAccount(key, snapshot) {
      const platformDoc = db.doc(paths.platformDoc(key));
      const account = toAccountWrite(snapshot);
      type Write = { ref: DocumentReference; write: FieldWrite };
      const writes: Write[] = [{ ref: platformDoc, write: account }];
      for (const day of snapshot.daily ?? []) {
        const data = {
          date: day.date,
          metrics: cleanMetrics(day.metrics),
          updatedAt: FieldValue.serverTimestamp(),
        };
        writes.push({
          ref: db.doc(paths.insightDoc(key, day.date)),
          write: { data, mergeFields: Object.keys(data) },
        });
      }
      await writeInBatches({
        db,
        entries: writes,
        write: (batch, { ref, write }) => batch.set(ref, write.data, { mergeFields: write.mergeFields }),
      });
    },

    async updateConnection(key, patch) {
      const { data, mergeFields } = toConnectionWrite(patch);
      await db.doc(paths.platformDoc(key)).set(data, { mergeFields });
    },

    async readConnection(key) {
      const snap = await db.doc(paths.platformDoc(key)).get();
      const data = snap.data();
      return data === undefined ? undefined : fromConnectionData(data);
    },

    async refreshCandidates(key, kind, { createdSince, olderLimit }) {
      const items = db.collection(paths.itemCollection(key, kind));
      // Single-field createdAt range; `deleted` is compared here (no composite index for a select on a range).
      const recentSnap = await items
        .where('createdAt', '>=', Timestamp.fromDate(createdSince))
        .select('deleted')
        .get();
      const recent = recentSnap.docs.filter((doc) => doc.get('deleted') !== true).map((doc) => doc.id);
      if (olderLimit <= 0) return { recent, older: [] };
      // Least recently updated first among live items (composite index deleted+updatedAt, firestore.indexes.json);
      // recent items are refreshed every sync, so they sit at the end and a small overshoot skips them.
      const olderSnap = await items
        .where('deleted', '==', false)
        .orderBy('updatedAt', 'asc')
        .limit(olderLimit + recent.length)
        .select('createdAt')
        .get();
      const since = createdSince.getTime();
      const older = olderSnap.docs
        .filter((doc) => {
          const at = doc.get('createdAt');
          return at instanceof Timestamp && at.toMillis() < since;
        })
        .slice(0, olderLimit)
        .map((doc) => doc.id);
      return { recent, older };
    },

    async addUsage(key, add) {
      const ref = db.doc(paths.platformDoc(key));
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const stored = snap.get('usage') as ConnectionUsage | undefined;
        const same = stored && stored.month === add.month;
        const usage: ConnectionUsage = {
          month: add.month,
          postReads: (same ? stored.postReads : 0) + add.postReads,
          userReads: (same ? stored.userReads : 0) + add.userReads,
          estimatedCostUsd:
            Math.round(((same ? stored.estimatedCostUsd : 0) + add.estimatedCostUsd) * 1e6) / 1e6,
        };
        tx.set(ref, { usage }, { mergeFields: ['usage'] });
        return usage;
      });
    },

    async countItems(key, kind) {
      const snap = await db
        .collection(paths.itemCollection(key, kind))
        .where('deleted', '==', false)
        .count()
        .get();
      return snap.data().count;
    },
  };
}
