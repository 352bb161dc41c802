/**
 * A connection's recent syncs for the dashboard, read from Temporal (no Firestore collection of its own):
 * - the connection workflow's `status` query: its last 20 successful syncs (SyncSummary: mode, items, calls,
 *   duration, X reads and estimated cost) and its current error;
 * - the visibility list of the connection's sync workflows (`UserId`, `Platform`, `WorkflowType`): start and close
 *   times and the runs that failed, which the query does not keep.
 * Both are bounded by a deadline: a query waits for a worker to answer, and with no worker polling it would hang.
 * Whatever could not be read is reported as unavailable with the reason; the page then shows what Firestore has.
 */
import type { Client } from '@temporalio/client';
import type { ConnectionKey, SyncMode, SyncSummary } from '../../domain';
import { connectionStatusQuery, connectionWorkflowId, SyncModeAttribute } from '../../workflows/definitions';

export interface SyncRun {
  workflowId: string;
  mode: SyncMode | null;
  /** Temporal's status name: RUNNING, COMPLETED, FAILED, TERMINATED…; null when only the query knew the run. */
  status: string | null;
  startedAt: Date | null;
  closedAt: Date | null;
  /** What the sync did (successful syncs the connection workflow still remembers). */
  summary?: SyncSummary;
}

export interface SyncHistory {
  runs: SyncRun[];
  /** The connection workflow's current error, if the query answered. */
  error?: string | null;
  /** Parts that could not be read, each with the reason (empty when everything answered). */
  unavailable: string[];
}

export interface SyncHistoryReader {
  history(key: ConnectionKey): Promise<SyncHistory>;
}

export const SYNC_HISTORY_LIMIT = 20;

/** A visibility-query string literal: ids with a quote or backslash are not put into one (no escaping rules to trust). */
export function visibilityLiteral(value: string): string | undefined {
  return /["'\\]/.test(value) ? undefined : `"${value}"`;
}

/** Sync runs of one connection in Temporal's list filter syntax (also used for the Temporal UI links). */
export function syncRunsQuery(key: ConnectionKey): string | undefined {
  const user = visibilityLiteral(key.userId);
  return user && `WorkflowType = "syncWorkflow" AND UserId = ${user} AND Platform = "${key.platform}"`;
}

/**
 * Merges the visibility list (times, failures) with the query's summaries (numbers), newest first. A summary
 * whose run is not in the list (list cut off, or visibility lagging) is still shown.
 */
export function mergeRuns(
  listed: SyncRun[],
  summaries: SyncSummary[],
  limit = SYNC_HISTORY_LIMIT,
): SyncRun[] {
  const byId = new Map(summaries.map((s) => [s.workflowId, s]));
  const runs = listed.map((run) => {
    const summary = byId.get(run.workflowId);
    byId.delete(run.workflowId);
    return summary ? { ...run, mode: run.mode ?? summary.mode, summary } : run;
  });
  for (const summary of byId.values())
    runs.push({
      workflowId: summary.workflowId,
      mode: summary.mode,
      status: null,
      startedAt: null,
      closedAt: null,
      summary,
    });
  // Newest first: by start time where known; the query's own order (newest first) for the rest, after them.
  const order = new Map(summaries.map((s, i) => [s.workflowId, i]));
  return runs
    .map((run, i) => ({ run, i }))
    .sort((a, b) => {
      const ta = a.run.startedAt?.getTime();
      const tb = b.run.startedAt?.getTime();
      if (ta !== undefined && tb !== undefined) return tb - ta;
      if (ta !== undefined) return -1;
      if (tb !== undefined) return 1;
      return (order.get(a.run.workflowId) ?? a.i) - (order.get(b.run.workflowId) ?? b.i);
    })
    .map(({ run }) => run)
    .slice(0, limit);
}

export function temporalSyncHistory(opts: { client: Client; timeoutMs?: number }): SyncHistoryReader {
  const { client } = opts;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const reason = (err: unknown) => (err as Error).message?.split('\n')[0] ?? String(err);

  async function listRuns(key: ConnectionKey): Promise<SyncRun[]> {
    const query = syncRunsQuery(key);
    if (!query) throw new Error('this user id cannot be put into a visibility query');
    const runs: SyncRun[] = [];
    await client.withDeadline(Date.now() + timeoutMs, async () => {
      for await (const wf of client.workflow.list({ query, pageSize: SYNC_HISTORY_LIMIT })) {
        const mode = wf.typedSearchAttributes.get(SyncModeAttribute);
        runs.push({
          workflowId: wf.workflowId,
          mode: (mode as SyncMode | undefined) ?? null,
          status: wf.status.name,
          startedAt: wf.startTime,
          closedAt: wf.closeTime ?? null,
        });
        if (runs.length >= SYNC_HISTORY_LIMIT) break;
      }
    });
    return runs;
  }

  return {
    async history(key) {
      const [status, listed] = await Promise.allSettled([
        client.withDeadline(Date.now() + timeoutMs, () =>
          client.workflow.getHandle(connectionWorkflowId(key)).query(connectionStatusQuery),
        ),
        listRuns(key),
      ]);
      const unavailable: string[] = [];
      if (status.status === 'rejected')
        unavailable.push(
          `sync summaries (the connection workflow did not answer its status query: ${reason(status.reason)})`,
        );
      if (listed.status === 'rejected')
        unavailable.push(`sync runs list (Temporal visibility: ${reason(listed.reason)})`);
      const summaries = status.status === 'fulfilled' ? status.value.recentSyncs : [];
      return {
        runs: mergeRuns(listed.status === 'fulfilled' ? listed.value : [], summaries),
        ...(status.status === 'fulfilled' ? { error: status.value.error } : {}),
        unavailable,
      };
    },
  };
}
