/**
 * What a budget-cut sync left for later, on the platform document (`pending.{kind}`), so the app team sees it
 * through Firestore and the status API.
 *
 * The engine stores a COUNT per item kind: the items it has not listed yet are by definition items whose ids it
 * has not seen. `ConnectionDoc.pending` (src/store/types.ts) is still typed as id lists, so this module is the
 * one place that converts, and the reader accepts both shapes (a list counts its entries).
 */
import type { ItemKind } from '../platforms/types';
import type { ConnectionDoc } from '../store/types';

export type PendingCounts = Partial<Record<ItemKind, number>>;

/** The `pending` patch for `SyncSink.updateConnection`: per kind, 0 clears it (the sink merges per kind). */
export function pendingPatch(counts: PendingCounts): Pick<ConnectionDoc, 'pending'> {
  const out: Record<string, number> = {};
  for (const [kind, n] of Object.entries(counts)) if (typeof n === 'number') out[kind] = Math.max(0, Math.round(n));
  return { pending: out as unknown as ConnectionDoc['pending'] };
}

/** Per kind, items still pending (only kinds with something pending). */
export function readPending(stored: unknown): PendingCounts {
  const out: PendingCounts = {};
  if (!stored || typeof stored !== 'object') return out;
  for (const [kind, value] of Object.entries(stored as Record<string, unknown>)) {
    const n = typeof value === 'number' ? value : Array.isArray(value) ? value.length : 0;
    if (n > 0) out[kind as ItemKind] = n;
  }
  return out;
}
