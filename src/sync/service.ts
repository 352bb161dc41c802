/**
 * What the HTTP service and the CLI ask of the sync engine. Implemented over the Temporal client in
 * src/sync/temporal-sync-service.ts; tokens never pass through here.
 */
import type { ConnectionKey, ConnectionStatus, SyncSummary } from '../domain';
import type { WebhookEvent } from '../platforms/types';

export type { ConnectionStatus, ConnectionStatusName, SyncMode, SyncSummary } from '../domain';

export interface SyncService {
  /** After tokens are stored: creates the schedule `sync:{userId}:{platform}` and starts the initial sync. */
  connect(key: ConnectionKey & { accountId: string }): Promise<{ workflowId: string; runId: string }>;
  /** Manual "sync now"; never runs two syncs of one connection at once. */
  syncNow(
    key: ConnectionKey,
    options?: { mode?: 'manual' | 'backfill' },
  ): Promise<{ workflowId: string; runId: string }>;
  syncNowAndWait(key: ConnectionKey, options?: { mode?: 'manual' | 'backfill' }): Promise<SyncSummary>;
  /** Hands webhook events durably to the connection workflow (signalWithStart); resolves once Temporal accepted. */
  deliverWebhookEvents(key: ConnectionKey, events: WebhookEvent[]): Promise<void>;
  status(key: ConnectionKey): Promise<ConnectionStatus | undefined>;
  /** Deletes schedule, stops the connection workflow, marks the connection `disconnected`. */
  disconnect(key: ConnectionKey): Promise<void>;
}
