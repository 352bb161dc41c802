/**
 * What a budget-cut sync left for later, on the platform document (`pending.{kind}`), so the app team sees it
 * through Firestore and the status API.
 *
 * A COUNT per item kind: the items a sync has not listed yet are by definition items whose ids it has not seen.
 */
import type { ItemKind } from '../platforms/types';
import type { ConnectionDoc } from './types';

export type PendingCounts = Partial<Record<ItemKind, number>>;

/** The `pending` patch for `SyncSink.updateConnection`: per kind, 0 clears it (the sink merges per kind). */
export function pendingPatch(counts: PendingCounts): Pick<ConnectionDoc, 'pending'> {
  const out: Record<string, number> = {};
  for (const [kind, n] of Object.entries(counts))
    if (typeof n === 'number') out[kind] = Math.max(0, Math.round(n));
  return { pending: out };
}

/** Per kind, items still pending (only kinds with something pending); tolerates any stored shape. */
export function readPending(stored: unknown): PendingCounts {
  const out: PendingCounts = {};
  if (!stored || typeof stored !== 'object') return out;
  for (const [kind, value] of Object.entries(stored as Record<string, unknown>)) {
    if (typeof value === 'number' && value > 0) out[kind as ItemKind] = value;
  }
  return out;
}
