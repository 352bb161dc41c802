/**
 * Where a sync's wall time goes, from its Temporal history: per activity type the time queued (scheduled →
 * started: task queue rate limits, worker slots) and running (started → completed: platform calls and Firestore
 * writes), and the rest of the sync's duration (workflow tasks, round trips between activities).
 */
import type { Client } from '@temporalio/client';

export interface SyncProfile {
  durationMs: number;
  activities: Record<string, { count: number; queuedMs: number; runningMs: number; attempts: number }>;
}

const ms = (t: unknown): number => {
  const ts = t as { seconds?: { toNumber(): number } | number; nanos?: number } | null | undefined;
  if (!ts) return 0;
  const s = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return s * 1000 + (ts.nanos ?? 0) / 1e6;
};

export async function profileSync(client: Client, workflowId: string, runId: string): Promise<SyncProfile> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, { at: number; attempt: number }>();
  const out: SyncProfile = { durationMs: 0, activities: {} };
  const first = ms(events[0]?.eventTime);
  for (const e of events) {
    const at = ms(e.eventTime);
    out.durationMs = at - first;
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      started.set(String(a.scheduledEventId), { at, attempt: a.attempt ?? 1 });
    } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes!;
      const s = scheduled.get(String(a.scheduledEventId));
      const st = started.get(String(a.scheduledEventId));
      if (!s || !st) continue;
      const row = (out.activities[s.type] ??= { count: 0, queuedMs: 0, runningMs: 0, attempts: 0 });
      row.count += 1;
      row.attempts += st.attempt;
      row.queuedMs += st.at - s.at;
      row.runningMs += at - st.at;
    }
  }
  return out;
}

/** Sums profiles (e.g. of every sync of one platform). */
export function sumProfiles(profiles: SyncProfile[]): SyncProfile {
  const out: SyncProfile = { durationMs: 0, activities: {} };
  for (const p of profiles) {
    out.durationMs += p.durationMs;
    for (const [type, a] of Object.entries(p.activities)) {
      const row = (out.activities[type] ??= { count: 0, queuedMs: 0, runningMs: 0, attempts: 0 });
      row.count += a.count;
      row.attempts += a.attempts;
      row.queuedMs += a.queuedMs;
      row.runningMs += a.runningMs;
    }
  }
  return out;
}

export function formatProfile(name: string, p: SyncProfile): string {
  const acts = Object.entries(p.activities)
    .map(
      ([t, a]) =>
        `${t} x${a.count}${a.attempts > a.count ? ` (${a.attempts} attempts)` : ''}: queued ${a.queuedMs.toFixed(0)} ms, running ${a.runningMs.toFixed(0)} ms`,
    )
    .join('; ');
  return `${name}: ${p.durationMs.toFixed(0)} ms in syncs; ${acts}`;
}
