/**
 * Remembers webhook event ids so a platform's redelivery of an event we already handed to Temporal is dropped.
 * Documents `_webhookEvents/{platform}:{sha256(userId|eventId)}` carry `expiresAt`, the field of a Firestore TTL policy
 * (firestore.indexes.json) that deletes them in the background; until that happens (TTL deletion can lag up to a
 * day) an expired record is treated as absent here.
 */
import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type Firestore,
} from 'firebase-admin/firestore';
import type { ConnectionKey } from '../domain';
import { paths } from './paths';

/**
 * Per connection: two users who connected one account each get an event once. Records are keyed by
 * `{userId}|{eventId}` under the connection's platform.
 */
export interface WebhookDedupe {
  /** The subset of `eventIds` already handed to the sync engine for this connection (one `getAll`, shared). */
  seen(key: ConnectionKey, eventIds: string[]): Promise<Set<string>>;
  /**
   * Records that these events were handed over (called only after Temporal accepted them), in one batched write
   * (at most 500 per commit, shared with concurrent calls); rejects unless every record was written. Not create-if-absent: an existing record is overwritten and its TTL restarts. The
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
  /**
   * How long a record write waits for others before its commit goes out (default 5 ms). The batches of one intake
   * tick are signalled together, and their signals come back a few ms apart: waiting that long lets their records go
   * in one commit instead of two or three. Reads go out at once (the next batch of a connection waits for them).
   */
  writeGatherMs?: number;
}

export const DEFAULT_WRITE_GATHER_MS = 5;

/** Firestore's limit of writes per batch; reads per `getAll` are kept to the same size. */
const MAX_BATCH_WRITES = 500;

/**
 * Reads and writes of every connection are sent together (issue 13): a read and a commit cost the emulator about
 * 10 ms of CPU and the client about 5 ms whatever they carry, and one more event in them about 0.5 and 0.25 ms. So
 * `seen` and `remember` calls do not go out one by one: calls made while a round trip of their kind is in flight
 * wait for it to end and then go out together, as one `getAll` and one batched commit (chunked at 500). An idle
 * store sends a read at once (next turn of the event loop) and a write `writeGatherMs` later; a busy one sends
 * bigger round trips instead of more of them.
 * Each caller still gets exactly its own answer, and a failed round trip fails only the calls it carried.
 */
export function createWebhookDedupe({
  db,
  ttlMs = DEFAULT_DEDUPE_TTL_MS,
  now = () => new Date(),
  writeGatherMs = DEFAULT_WRITE_GATHER_MS,
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

  const reads = new Coalescer<DocumentReference, boolean>(async (refs) => {
    const found = new Map<string, boolean>();
    await Promise.all(
      chunks(refs, MAX_BATCH_WRITES).map(async (part) => {
        const snaps = await db.getAll(...part);
        snaps.forEach((snap, i) => found.set(part[i]!.path, snap.exists && !expired(snap.get('expiresAt'))));
      }),
    );
    return found;
  });
  const writes = new Coalescer<{ ref: DocumentReference; data: DocumentData }, true>(async (items) => {
    const done = new Map<string, true>();
    const results = await Promise.allSettled(
      chunks(items, MAX_BATCH_WRITES).map(async (part) => {
        const batch = db.batch();
        for (const { ref: r, data } of part) batch.set(r, data);
        await batch.commit();
        for (const { ref: r } of part) done.set(r.path, true);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Writes of the commits that landed count; the callers whose writes did not get the error.
    if (failed && done.size === 0) throw failed.reason;
    return done;
  }, writeGatherMs);

  return {
    async seen(key, eventIds) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0) return new Set();
      const found = await reads.submit(ids.map((id) => ({ path: ref(key, id).path, item: ref(key, id) })));
      return new Set(ids.filter((id) => found.get(ref(key, id).path) === true));
    },

    async remember(key, eventIds) {
      const ids = [...new Set(eventIds)];
      if (ids.length === 0) return;
      const done = await writes.submit(
        ids.map((id) => ({ path: ref(key, id).path, item: { ref: ref(key, id), data: record(key, id) } })),
      );
      const missing = ids.filter((id) => !done.has(ref(key, id).path));
      if (missing.length > 0) throw new Error(`dedupe records of ${missing.length} events were not written`);
    },
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface Pending<T, R> {
  items: { path: string; item: T }[];
  resolve: (results: Map<string, R>) => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers the items of concurrent calls into one round trip (`send`, keyed by document path), one round trip in
 * flight at a time: calls arriving meanwhile go together in the next.
 */
export class Coalescer<T, R> {
  private queue: Pending<T, R>[] = [];
  private busy = false;
  private scheduled = false;

  /** `gatherMs`: a round trip goes out this long after the first call waiting for it (0: the next turn). */
  constructor(
    private readonly send: (items: T[]) => Promise<Map<string, R>>,
    private readonly gatherMs = 0,
  ) {}

  submit(items: { path: string; item: T }[]): Promise<Map<string, R>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // The next turn (or `gatherMs` later): every call made meanwhile (e.g. by all the batches of one tick) joins.
    const go = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.gatherMs > 0) setTimeout(go, this.gatherMs);
    else setImmediate(go);
  }

  private async flush(): Promise<void> {
    const calls = this.queue;
    this.queue = [];
    this.busy = true;
    const unique = new Map<string, T>();
    for (const call of calls)
      for (const { path, item } of call.items) if (!unique.has(path)) unique.set(path, item);
    try {
      const results = await this.send([...unique.values()]);
      for (const call of calls) call.resolve(results);
    } catch (err) {
      for (const call of calls) call.reject(err);
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}
