/**
 * Remembers webhook event ids so a platform's redelivery of an event we already handed to Temporal is dropped.
 * Documents `_webhookEvents/{platform}:{sha256(userId|eventId)}` carry `expiresAt`, the field of a Firestore TTL policy
 * (firestore.indexes.json) that deletes them in the background; until that happens (TTL deletion can lag up to a
 * day) an expired record is treated as absent here.
 */
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { ConnectionKey } from '../domain';
import { paths } from './paths';

/**
 * Per connection: two users who connected one account each get an event once. Records are keyed by
 * `{userId}|{eventId}` under the connection's platform.
 */
export interface WebhookDedupe {
  /** The subset of `eventIds` already handed to the sync engine for this connection (one `getAll`). */
  seen(key: ConnectionKey, eventIds: string[]): Promise<Set<string>>;
  /**
   * Records that these events were handed over (called only after Temporal accepted them), in one batched write
   * (at most 500 per commit). Not create-if-absent: an existing record is overwritten and its TTL restarts. The
   * caller already dropped what `seen` reported, and the connection workflow dedupes by event id anyway.
   */
  remember(key: ConnectionKey, eventIds: string[]): Promise<void>;
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

export function createWebhookDedupe({
  db,
  ttlMs = DEFAULT_DEDUPE_TTL_MS,
  now = () => new Date(),
}: CreateWebhookDedupeOptions): WebhookDedupe {
  const scoped = (key: ConnectionKey, eventId: string) => `${key.userId}|${eventId}`;
  const ref = (key: ConnectionKey, eventId: string) =>
    db.doc(paths.webhookEventDoc(key.platform, scoped(key, eventId)));
  const record = (key: ConnectionKey, eventId: string) => ({
    platform: key.platform,
    userId: key.userId,
    eventId,
    receivedAt: FieldValue.serverTimestamp(),
    expiresAt: Timestamp.fromMillis(now().getTime() + ttlMs),
  });
  const expired = (expiresAt: unknown) =>
    expiresAt instanceof Timestamp && expiresAt.toMillis() <= now().getTime();

  return {
    async seen(key, eventIds) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0) return new Set();
      const snaps = await db.getAll(...ids.map((id) => ref(key, id)));
      return new Set(ids.filter((_, i) => snaps[i]!.exists && !expired(snaps[i]!.get('expiresAt'))));
    },

    async remember(key, eventIds) {
      const ids = [...new Set(eventIds)];
      const commits: Promise<unknown>[] = [];
      for (let i = 0; i < ids.length; i += MAX_BATCH_WRITES) {
        const batch = db.batch();
        for (const id of ids.slice(i, i + MAX_BATCH_WRITES)) batch.set(ref(key, id), record(key, id));
        commits.push(batch.commit());
      }
      await Promise.all(commits);
    },
  };
}
