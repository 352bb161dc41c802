/**
 * SyncService over the Temporal client: every call talks to the connection workflow
 * (`connection:{userId}:{platform}`) or its schedule; nothing here touches tokens.
 */
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Env } from '../config';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import type { SyncSink } from '../store/types';
import {
  connectionWorkflowId,
  DEFAULT_TASK_QUEUE_PREFIX,
  disconnectSignal,
  PlatformAttribute,
  reconnectedSignal,
  requestSyncUpdate,
  UserIdAttribute,
  webhookEventsSignal,
  workflowTaskQueue,
  type SyncHandle,
} from '../workflows/definitions';
import type { connectionWorkflow, ConnectionOptions, ConnectionWorkflowInput } from '../workflows/connection';
import type { SyncWorkflowResult } from '../workflows/sync';
import { readPending, type PendingCounts } from '../store/pending';
import { createTemporalSchedules, type ScheduleControl } from './schedules';
import type { SyncService } from './service';
import type { WebhookEvent } from '../platforms/types';
import type { ConnectionKey, ConnectionStatus, SyncSummary } from '../domain';

export interface TemporalSyncServiceDeps {
  client: Client;
  sink: SyncSink;
  config: Pick<Env, 'SYNC_INTERVAL'> & Partial<Pick<Env, 'SYNC_WAIT_TIMEOUT'>>;
  /** Default: Temporal Schedules through `client` with interval SYNC_INTERVAL. */
  schedules?: ScheduleControl;
  /** Tuning of the connection workflows this service starts (debounce, refresh window…). */
  engine?: Partial<ConnectionOptions>;
  /** Must match the workers' prefix (src/workflows/definitions.ts). */
  taskQueuePrefix?: string;
  logger?: Logger;
}

/** The connection has no running workflow: never connected, or disconnected. */
export class ConnectionNotFoundError extends Error {
  constructor(key: ConnectionKey) {
    super(`no active connection ${key.userId}/${key.platform}`);
    this.name = 'ConnectionNotFoundError';
  }
}

/**
 * `syncNowAndWait` gave up waiting (SYNC_WAIT_TIMEOUT, default 60 s): the sync goes on; the caller gets its handle
 * (HTTP 202) and can follow it in the Temporal UI or by status (finding 7 of issue 14).
 */
export class SyncWaitTimeoutError extends Error {
  constructor(
    readonly handle: { workflowId: string; runId: string },
    readonly waitedMs: number,
  ) {
    super(`the sync did not finish within ${waitedMs} ms; it continues`);
    this.name = 'SyncWaitTimeoutError';
  }
}

/** The connection refused a sync: it needs re-authorization, or it is being disconnected. */
export class SyncRefusedError extends Error {
  constructor(key: ConnectionKey, reason: string) {
    super(`sync of ${key.userId}/${key.platform} refused: ${reason}`);
    this.name = 'SyncRefusedError';
  }
}

/**
 * The status of the public contract plus `pending`: per item kind, how many items a budget-cut sync left for a
 * later backfill (absent when nothing is pending). An addition the HTTP status route passes through as is.
 */
export interface ConnectionStatusWithPending extends ConnectionStatus {
  pending?: PendingCounts;
}

/** A SyncService whose status also says what is pending. */
export interface TemporalSyncService extends SyncService {
  status(key: ConnectionKey): Promise<ConnectionStatusWithPending | undefined>;
}

export const DEFAULT_SYNC_WAIT_MS = 60_000;

export function createTemporalSyncService(deps: TemporalSyncServiceDeps): TemporalSyncService {
  const { client, sink } = deps;
  const prefix = deps.taskQueuePrefix ?? DEFAULT_TASK_QUEUE_PREFIX;
  const schedules =
    deps.schedules ??
    createTemporalSchedules({
      client,
      settings: { intervalMs: deps.config.SYNC_INTERVAL, taskQueuePrefix: prefix },
    });
  const log = (deps.logger ?? silentLogger).child({ module: 'sync-service' });
  const engineOptions: Partial<ConnectionOptions> = { ...deps.engine, taskQueuePrefix: prefix };

  const handleOf = (key: ConnectionKey): WorkflowHandle<typeof connectionWorkflow> =>
    client.workflow.getHandle<typeof connectionWorkflow>(connectionWorkflowId(key));

  function startOptions(key: ConnectionKey, accountId: string) {
    const input: ConnectionWorkflowInput = {
      userId: key.userId,
      platform: key.platform,
      accountId,
      options: engineOptions,
    };
    return {
      workflowId: connectionWorkflowId(key),
      taskQueue: workflowTaskQueue(prefix),
      args: [input] as [ConnectionWorkflowInput],
      typedSearchAttributes: [
        { key: UserIdAttribute, value: key.userId },
        { key: PlatformAttribute, value: key.platform },
      ],
    };
  }

  async function requestSync(
    key: ConnectionKey,
    mode: 'initial' | 'manual' | 'backfill',
  ): Promise<SyncHandle> {
    try {
      return await handleOf(key).executeUpdate(requestSyncUpdate, { args: [{ mode }] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConnectionNotFoundError(key);
      if (err instanceof WorkflowUpdateFailedError)
        throw new SyncRefusedError(key, err.cause?.message ?? err.message);
      throw err;
    }
  }

  return {
    async connect(key) {
      const existing = await sink.readConnection(key);
      if (!existing || existing.status === 'disconnected') {
        await sink.updateConnection(key, { accountId: key.accountId, status: 'connecting', error: null });
      } else if (existing.accountId !== key.accountId) {
        await sink.updateConnection(key, { accountId: key.accountId });
      }
      await schedules.ensure(key);
      // Starts the connection workflow, or tells the running one that fresh tokens are stored (leaves needs_reauth).
      await client.workflow.signalWithStart<typeof connectionWorkflow, [{ accountId: string }]>(
        'connectionWorkflow',
        {
          ...startOptions(key, key.accountId),
          signal: reconnectedSignal,
          signalArgs: [{ accountId: key.accountId }],
        },
      );
      const handle = await requestSync(key, 'initial');
      log.info({ userId: key.userId, platform: key.platform, workflowId: handle.workflowId }, 'connected');
      return { workflowId: handle.workflowId, runId: handle.runId };
    },

    async syncNow(key, options) {
      const handle = await requestSync(key, options?.mode ?? 'manual');
      return { workflowId: handle.workflowId, runId: handle.runId };
    },

    async syncNowAndWait(key, options) {
      const handle = await requestSync(key, options?.mode ?? 'manual');
      const waitMs = deps.config.SYNC_WAIT_TIMEOUT ?? DEFAULT_SYNC_WAIT_MS;
      // Long-polls are abandoned at the deadline; the workflow itself is not touched.
      const abort = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(new SyncWaitTimeoutError({ workflowId: handle.workflowId, runId: handle.runId }, waitMs));
        }, waitMs);
      });
      try {
        const result = (await Promise.race([
          client.withAbortSignal(abort.signal, () =>
            client.workflow.getHandle(handle.workflowId, handle.runId).result(),
          ),
          deadline,
        ])) as SyncWorkflowResult;
        return result.summary satisfies SyncSummary;
      } finally {
        clearTimeout(timer);
      }
    },

    async deliverWebhookEvents(key, events: WebhookEvent[]) {
      if (events.length === 0) return;
      // A running connection workflow takes the events directly: no Firestore read per delivery (issue 13). It
      // drops them itself once disconnected. Only when none runs is the connection read, to start one.
      try {
        await handleOf(key).signal(webhookEventsSignal, events);
        return;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const connection = await sink.readConnection(key);
      if (!connection || connection.status === 'disconnected') {
        // Events for a connection that no longer exists are acknowledged and dropped: there is nothing to sync.
        log.info(
          { userId: key.userId, platform: key.platform, events: events.length },
          'webhook events for a disconnected connection dropped',
        );
        return;
      }
      await client.workflow.signalWithStart<typeof connectionWorkflow, [WebhookEvent[]]>(
        'connectionWorkflow',
        {
          ...startOptions(key, connection.accountId),
          signal: webhookEventsSignal,
          signalArgs: [events],
        },
      );
    },

    async status(key): Promise<ConnectionStatusWithPending | undefined> {
      const doc = await sink.readConnection(key);
      if (!doc) return undefined;
      const nextSyncAt = doc.status === 'disconnected' ? null : await schedules.nextActionAt(key);
      // Firestore is the status of record, written by the connection workflow alone (syncing, active, error,
      // needs_reauth). (Querying the workflow would hang whenever no worker is polling.)
      const { status } = doc;
      const error = doc.error ?? undefined;
      const pending = readPending(doc.pending);
      return {
        status,
        lastSync: doc.lastSync ? doc.lastSync.toISOString() : null,
        lastSyncMode: doc.lastSyncMode ?? null,
        nextSyncAt: nextSyncAt ? nextSyncAt.toISOString() : null,
        counts: doc.counts ?? {},
        ...(error ? { error } : {}),
        ...(doc.pausedUntil ? { pausedUntil: doc.pausedUntil.toISOString() } : {}),
        ...(Object.keys(pending).length > 0 ? { pending } : {}),
      };
    },

    async disconnect(key) {
      await schedules.remove(key);
      try {
        await handleOf(key).signal(disconnectSignal);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const doc = await sink.readConnection(key);
      if (doc) await sink.updateConnection(key, { status: 'disconnected' });
      log.info({ userId: key.userId, platform: key.platform }, 'disconnected');
    },
  };
}
