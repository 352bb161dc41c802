/**
 * Remembers webhook event ids so a platform's redelivery of an event we already handed to Temporal is dropped.
 * Documents `_webhookEvents/{platform}:{sha256(eventId)}` carry `expiresAt`, the field of a Firestore TTL policy
 * (firestore.indexes.json) that deletes them in the background; until that happens (TTL deletion can lag up to a
 * day) an expired record is treated as absent here.
 */
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { PlatformId } from '../platforms/types';
import { paths } from './paths';

export interface WebhookDedupe {
  /** True when the event was remembered and its record has not expired. */
  seen(platform: PlatformId, eventId: string): Promise<boolean>;
  /**
   * Records the event if it is not recorded yet (create-if-absent, atomic): resolves true for the first caller and
   * false for every later one, so two concurrent deliveries of one event cannot both be processed.
   */
  remember(platform: PlatformId, eventId: string): Promise<boolean>;
  /** Drops the record, e.g. when handing the event to Temporal failed after `remember` and it must be retried. */
  forget(platform: PlatformId, eventId: string): Promise<void>;
  /** `seen` for several events in one read (`getAll`): the subset of `eventIds` remembered and not expired. */
  seenMany(platform: PlatformId, eventIds: string[]): Promise<Set<string>>;
  /**
   * Records several events in one batched write (at most 500 per commit). Unlike `remember` this is not
   * create-if-absent: an existing record is overwritten (its TTL restarts). For callers that already dropped what
   * `seenMany` reported and whose consumer dedupes by event id anyway (the connection workflow does).
   */
  rememberMany(platform: PlatformId, eventIds: string[]): Promise<void>;
}

/** TikTok retries for up to 72 h and Meta for up to 36 h: a week covers every platform with room to spare. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface CreateWebhookDedupeOptions {
  db: Firestore;
  ttlMs?: number;
  /** Injected for expiry tests. */
  now?: () => Date;
}

/** Firestore's limit of writes per batch. */
const MAX_BATCH_WRITES = 500;

/** gRPC ALREADY_EXISTS, as firebase-admin reports it for `create()` of an existing document. */
const ALREADY_EXISTS = 6;

export function createWebhookDedupe({
  db,
  ttlMs = DEFAULT_DEDUPE_TTL_MS,
  now = () => new Date(),
}: CreateWebhookDedupeOptions): WebhookDedupe {
  const ref = (platform: PlatformId, eventId: string) => db.doc(paths.webhookEventDoc(platform, eventId));
  const record = (platform: PlatformId, eventId: string) => ({
    platform,
    eventId,
    receivedAt: FieldValue.serverTimestamp(),
    expiresAt: Timestamp.fromMillis(now().getTime() + ttlMs),
  });
  const expired = (expiresAt: unknown) =>
    expiresAt instanceof Timestamp && expiresAt.toMillis() <= now().getTime();

  return {
    async seen(platform, eventId) {
      const snap = await ref(platform, eventId).get();
      return snap.exists && !expired(snap.get('expiresAt'));
    },

    async remember(platform, eventId) {
      const target = ref(platform, eventId);
      try {
        await target.create(record(platform, eventId));
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
      }
      // The record exists; if it has merely outlived its TTL (not yet swept), the event counts as new again.
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(target);
        if (snap.exists && !expired(snap.get('expiresAt'))) return false;
        tx.set(target, record(platform, eventId));
        return true;
      });
    },

    async forget(platform, eventId) {
      await ref(platform, eventId).delete();
    },

    async seenMany(platform, eventIds) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0) return new Set();
      const snaps = await db.getAll(...ids.map((id) => ref(platform, id)));
      return new Set(ids.filter((_, i) => snaps[i]!.exists && !expired(snaps[i]!.get('expiresAt'))));
    },

    async rememberMany(platform, eventIds) {
      const ids = [...new Set(eventIds)];
      const commits: Promise<unknown>[] = [];
      for (let i = 0; i < ids.length; i += MAX_BATCH_WRITES) {
        const batch = db.batch();
        for (const id of ids.slice(i, i + MAX_BATCH_WRITES))
          batch.set(ref(platform, id), record(platform, id));
        commits.push(batch.commit());
      }
      await Promise.all(commits);
    },
  };
}
