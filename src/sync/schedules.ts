/**
 * The Temporal Schedule of each connection (id `sync:{userId}:{platform}`): created at connect, paused while the
 * connection needs re-authorization, deleted at disconnect. Its action starts `scheduledSyncWorkflow`, which
 * only asks the connection workflow for a sync, so scheduled syncs queue behind any running one.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import {
  PlatformAttribute,
  scheduledTriggerWorkflowIdPrefix,
  scheduleId,
  SyncModeAttribute,
  UserIdAttribute,
  workflowTaskQueue,
} from '../workflows/definitions';
import type { SchedulePauser } from '../activities/types';
import type { ConnectionKey } from '../domain';

export interface ScheduleControl extends SchedulePauser {
  /** Creates the schedule, or updates its interval and unpauses it when it already exists. */
  ensure(key: ConnectionKey): Promise<void>;
  /** Deletes the schedule; a missing schedule is not an error. */
  remove(key: ConnectionKey): Promise<void>;
  /** Next time the schedule fires, null when paused or missing. */
  nextActionAt(key: ConnectionKey): Promise<Date | null>;
}

export interface ScheduleSettings {
  intervalMs: number;
  /** Random delay added to each tick so thousands of connections do not fire at once. Default: 10% of interval, ≤ 5 min. */
  jitterMs?: number;
  /** Task queue prefix of the deployment (src/workflows/definitions.ts). */
  taskQueuePrefix?: string;
}

export function defaultJitterMs(intervalMs: number): number {
  return Math.min(Math.floor(intervalMs / 10), 5 * 60_000);
}

function action(key: ConnectionKey, taskQueuePrefix?: string): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: 'scheduledSyncWorkflow',
    workflowId: scheduledTriggerWorkflowIdPrefix(key),
    taskQueue: workflowTaskQueue(taskQueuePrefix),
    args: [{ userId: key.userId, platform: key.platform }],
    typedSearchAttributes: [
      { key: UserIdAttribute, value: key.userId },
      { key: PlatformAttribute, value: key.platform },
      { key: SyncModeAttribute, value: 'scheduled' },
    ],
    // The trigger only sends a signal; a few seconds are plenty.
    workflowExecutionTimeout: '1 minute',
  };
}

export function createTemporalSchedules({
  client,
  settings,
}: {
  client: Client;
  settings: ScheduleSettings;
}): ScheduleControl {
  const jitterMs = settings.jitterMs ?? defaultJitterMs(settings.intervalMs);
  const spec = { intervals: [{ every: settings.intervalMs }], jitter: jitterMs };
  const policies = {
    // Never two syncs of one connection at once; a missed tick during downtime is not replayed in bulk.
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: Math.max(60_000, settings.intervalMs),
  };

  async function ignoreMissing(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  return {
    async ensure(key) {
      try {
        await client.schedule.create({
          scheduleId: scheduleId(key),
          spec,
          action: action(key, settings.taskQueuePrefix),
          policies,
          state: { note: 'created at connect' },
        });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        const handle = client.schedule.getHandle(scheduleId(key));
        await handle.update((prev) => ({
          ...prev,
          spec,
          action: action(key, settings.taskQueuePrefix),
          policies,
        }));
        await handle.unpause('connected again');
      }
    },
    async pause(key, note) {
      await ignoreMissing(() => client.schedule.getHandle(scheduleId(key)).pause(note));
    },
    async unpause(key, note) {
      await ignoreMissing(() => client.schedule.getHandle(scheduleId(key)).unpause(note));
    },
    async remove(key) {
      await ignoreMissing(() => client.schedule.getHandle(scheduleId(key)).delete());
    },
    async nextActionAt(key) {
      try {
        const description = await client.schedule.getHandle(scheduleId(key)).describe();
        if (description.state.paused) return null;
        return description.info.nextActionTimes[0] ?? null;
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return null;
        throw err;
      }
    },
  };
}
