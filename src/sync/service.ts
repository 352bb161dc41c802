/**
 * What the HTTP service and the CLI ask of the sync engine. Implemented over the Temporal client in
 * src/sync/temporal-sync-service.ts; tokens never pass through here.
 */
import type { ItemKind, PlatformId, WebhookEvent } from '../platforms/types';
import type { ConnectionKey } from '../store/types';

export type ConnectionStatusName =
  'connecting' | 'syncing' | 'active' | 'needs_reauth' | 'error' | 'disconnected';
export type SyncMode = 'initial' | 'incremental' | 'scheduled' | 'manual' | 'webhook' | 'backfill';

export interface SyncSummary {
  workflowId: string;
  runId: string;
  userId: string;
  platform: PlatformId;
  mode: SyncMode;
  itemsWritten: number;
  itemsDeleted: number;
  /** Platform API calls made by this sync. */
  calls: number;
  durationMs: number;
  /** Items whose metrics the rate budget did not cover this time (finished by a later sync). */
  pending: number;
}

export interface ConnectionStatus {
  status: ConnectionStatusName;
  lastSync: string | null;
  lastSyncMode: SyncMode | null;
  nextSyncAt: string | null;
  counts: Partial<Record<ItemKind, number>>;
  error?: string;
}

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
