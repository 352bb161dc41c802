/** `sync` and `backfill`: ask the connection's workflow for a sync; `--wait` shows progress until it finishes. */
import type { CliContext } from '../context';
import { parsePlatform } from '../context';
import { formatTable } from '../table';
import { parseDuration } from '../../shared/duration';
import type { SyncSummary } from '../../domain';

export interface SyncCommandOptions {
  user: string;
  platform: string;
  wait?: boolean;
  timeout?: string;
  mode: 'manual' | 'backfill';
}

export async function syncCommand(ctx: CliContext, opts: SyncCommandOptions): Promise<void> {
  const platform = parsePlatform(opts.platform);
  if (!opts.wait) {
    const run = await ctx.api().syncNow(opts.user, platform, opts.mode);
    if (ctx.json) return ctx.out(JSON.stringify(run));
    ctx.out(
      `${opts.mode === 'backfill' ? 'Backfill' : 'Sync'} started: workflow ${run.workflowId} run ${run.runId}`,
    );
    ctx.out('Follow it in the Temporal UI, or run again with --wait.');
    return;
  }
  const timeoutMs = parseDuration(opts.timeout ?? '15m');
  const api = ctx.api({ timeoutMs });
  const started = Date.now();
  // The service answers `?wait=true` once the sync is done; meanwhile the status endpoint shows how far it got.
  let done = false;
  const progress = (async () => {
    let last = '';
    while (!done) {
      await new Promise((r) => setTimeout(r, 1000));
      if (done) break;
      const status = await api.statusOrUndefined(opts.user, platform).catch(() => undefined);
      const counts = Object.entries(status?.counts ?? {})
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      const line = `… ${Math.round((Date.now() - started) / 1000)} s: ${status?.status ?? 'waiting'}${counts ? ` (${counts} stored)` : ''}`;
      if (line !== last) ctx.err(line);
      last = line;
    }
  })();
  let summary: SyncSummary;
  try {
    summary = await api.syncAndWait(opts.user, platform, { mode: opts.mode, timeoutMs });
  } finally {
    done = true;
    await progress;
  }
  if (ctx.json) return ctx.out(JSON.stringify(summary));
  ctx.out(
    formatTable(
      ['WORKFLOW', 'MODE', 'WRITTEN', 'DELETED', 'CALLS', 'PENDING', 'DURATION'],
      [
        [
          summary.workflowId,
          summary.mode,
          summary.itemsWritten,
          summary.itemsDeleted,
          summary.calls,
          summary.pending,
          `${(summary.durationMs / 1000).toFixed(1)} s`,
        ],
      ],
    ),
  );
}
