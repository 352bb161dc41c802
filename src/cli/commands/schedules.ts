/** `schedules list|pause|resume|trigger`: the per-connection Temporal Schedules (`sync:{userId}:{platform}`). */
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { scheduleId } from '../../workflows/definitions';
import type { CliContext } from '../context';
import { CliError, EXIT, parsePlatform } from '../context';
import { formatTable } from '../table';

function human(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : undefined);

export async function listSchedules(ctx: CliContext, opts: { user?: string }): Promise<void> {
  const client = await ctx.temporal();
  const rows: { id: string; paused: boolean; note?: string; next?: Date; last?: Date; interval?: string }[] =
    [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('sync:')) continue;
    if (opts.user && !s.scheduleId.startsWith(`sync:${opts.user}:`)) continue;
    const every = s.spec?.intervals?.[0]?.every;
    rows.push({
      id: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      next: s.info.nextActionTimes[0],
      last: s.info.recentActions.at(-1)?.takenAt,
      interval: every === undefined ? undefined : typeof every === 'number' ? human(every) : String(every),
    });
  }
  rows.sort((a, b) => a.id.localeCompare(b.id));
  if (ctx.json) return ctx.out(JSON.stringify(rows));
  if (rows.length === 0) return ctx.out('No schedules.');
  ctx.out(
    formatTable(
      ['SCHEDULE', 'STATE', 'EVERY', 'LAST RUN', 'NEXT RUN', 'NOTE'],
      rows.map((r) => [
        r.id,
        r.paused ? 'paused' : 'active',
        r.interval,
        iso(r.last),
        r.paused ? undefined : iso(r.next),
        r.note,
      ]),
    ),
  );
}

export async function controlSchedule(
  ctx: CliContext,
  action: 'pause' | 'resume' | 'trigger',
  opts: { user: string; platform: string; note?: string },
): Promise<void> {
  const platform = parsePlatform(opts.platform);
  const id = scheduleId({ userId: opts.user, platform });
  const handle = (await ctx.temporal()).schedule.getHandle(id);
  const note = opts.note ?? `${action} from the socialsync CLI`;
  try {
    if (action === 'pause') await handle.pause(note);
    else if (action === 'resume') await handle.unpause(note);
    // The schedule's own policy (never two syncs of a connection at once) still decides whether it runs.
    else await handle.trigger(ScheduleOverlapPolicy.SKIP);
    // The server applies a pause/unpause to the schedule asynchronously: report only what `describe` shows.
    if (action !== 'trigger') await untilPaused(handle, action === 'pause', id);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no schedule ${id}`, EXIT.failed);
    throw err;
  }
  const done = { pause: 'paused', resume: 'resumed', trigger: 'triggered' }[action];
  if (ctx.json) return ctx.out(JSON.stringify({ scheduleId: id, action: done }));
  ctx.out(`Schedule ${id} ${done}.`);
}

async function untilPaused(
  handle: { describe(): Promise<{ state: { paused: boolean } }> },
  paused: boolean,
  id: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await handle.describe()).state.paused !== paused) {
    if (Date.now() > deadline) {
      throw new CliError(
        `schedule ${id} did not show ${paused ? 'paused' : 'active'} within ${timeoutMs} ms`,
        EXIT.failed,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
