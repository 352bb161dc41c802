/** Chunked WriteBatch commits: Firestore refuses a batch of more than 500 writes. */
import type { Firestore, WriteBatch } from 'firebase-admin/firestore';

export const MAX_BATCH_WRITES = 500;

export function chunk<T>(values: readonly T[], size: number): T[][] {
  if (size < 1) throw new Error('chunk size must be at least 1');
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}

export interface WriteInBatchesRequest<T> {
  db: Firestore;
  entries: readonly T[];
  /** Adds exactly one write for `entry` to the batch. */
  write: (batch: WriteBatch, entry: T) => void;
  batchSize?: number;
}

/**
 * Commits one batch after another. Each batch is atomic on its own; the whole call is not, which is fine because
 * every write we make is idempotent: a retry after a partial failure rewrites the same documents with the same data.
 */
export async function writeInBatches<T>({
  db,
  entries,
  write,
  batchSize = MAX_BATCH_WRITES,
}: WriteInBatchesRequest<T>): Promise<number> {
  const size = Math.min(batchSize, MAX_BATCH_WRITES);
  for (const part of chunk(entries, size)) {
    const batch = db.batch();
    for (const entry of part) write(batch, entry);
    await batch.commit();
  }
  return entries.length;
}
