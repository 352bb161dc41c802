/**
 * Per-user rate budget of one connection: a sliding window of call counts per bucket. Pure and deterministic,
 * so it runs inside workflow code; the connection workflow owns the state and hands it to one sync at a time.
 * Entries are per activity (not per call) to keep the state that travels through history small.
 */
import type { CallUsage, RateWindow } from '../platforms/types';

export interface BudgetEntry {
  /** Epoch ms (workflow time) when the calls were made. */
  at: number;
  calls: number;
}

export interface BudgetState {
  windows: RateWindow[];
  used: Record<string, BudgetEntry[]>;
}

export function emptyBudget(windows: readonly RateWindow[]): BudgetState {
  return { windows: windows.map((w) => ({ ...w })), used: {} };
}

/** Same entries, but with the rate windows replaced (configuration may change between runs). */
export function withWindows(state: BudgetState, windows: readonly RateWindow[]): BudgetState {
  return { windows: windows.map((w) => ({ ...w })), used: state.used };
}

/** Drops entries that fell out of their window. */
export function prune(state: BudgetState, now: number): BudgetState {
  const used: Record<string, BudgetEntry[]> = {};
  for (const w of state.windows) {
    const live = (state.used[w.bucket] ?? []).filter((e) => e.at > now - w.windowMs);
    if (live.length > 0) used[w.bucket] = live;
  }
  return { windows: state.windows, used };
}

function usedIn(state: BudgetState, window: RateWindow, now: number): number {
  return (state.used[window.bucket] ?? [])
    .filter((e) => e.at > now - window.windowMs)
    .reduce((sum, e) => sum + e.calls, 0);
}

/** Calls still allowed now, per bucket. */
export function remaining(state: BudgetState, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of state.windows) out[w.bucket] = Math.max(0, w.limit - usedIn(state, w, now));
  return out;
}

/**
 * Milliseconds until `calls` more calls fit in every bucket: 0 when they fit now, Infinity when they never can
 * (more than a whole window allows).
 */
export function waitMsFor(state: BudgetState, now: number, calls: number): number {
  let wait = 0;
  for (const w of state.windows) {
    if (calls > w.limit) return Number.POSITIVE_INFINITY;
    const live = (state.used[w.bucket] ?? [])
      .filter((e) => e.at > now - w.windowMs)
      .sort((a, b) => a.at - b.at);
    let inUse = live.reduce((sum, e) => sum + e.calls, 0);
    if (w.limit - inUse >= calls) continue;
    for (const entry of live) {
      inUse -= entry.calls;
      if (w.limit - inUse >= calls) {
        // The entry leaves the window one millisecond after `at + windowMs`.
        wait = Math.max(wait, entry.at + w.windowMs - now + 1);
        break;
      }
    }
  }
  return wait;
}

/**
 * Records calls made at `now`. `usage` is what the connector reported per bucket; the catch-all bucket `*`
 * counts every call. A plain number charges every bucket (used when a failed activity could not report usage).
 */
export function charge(state: BudgetState, now: number, usage: CallUsage | number): BudgetState {
  const total = typeof usage === 'number' ? usage : Object.values(usage).reduce((s, n) => s + n, 0);
  if (total <= 0) return state;
  const used = { ...state.used };
  for (const w of state.windows) {
    const calls = typeof usage === 'number' || w.bucket === '*' ? total : (usage[w.bucket] ?? 0);
    if (calls <= 0) continue;
    const entries = [...(used[w.bucket] ?? [])];
    const last = entries[entries.length - 1];
    if (last && last.at === now) entries[entries.length - 1] = { at: now, calls: last.calls + calls };
    else entries.push({ at: now, calls });
    used[w.bucket] = entries;
  }
  return prune({ windows: state.windows, used }, now);
}
