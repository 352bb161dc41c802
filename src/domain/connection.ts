/**
 * A connection is one user's account on one platform. Its key, the statuses it moves through and the kinds of
 * sync it runs are the vocabulary shared by the store, the workflows, the HTTP service and the CLI.
 */
import type { ItemKind, PlatformId } from './platforms';

export interface ConnectionKey {
  userId: string;
  platform: PlatformId;
}

export const CONNECTION_STATUSES = [
  'connecting',
  'syncing',
  'active',
  'needs_reauth',
  'error',
  'disconnected',
] as const;
export type ConnectionStatusName = (typeof CONNECTION_STATUSES)[number];

export const SYNC_MODES = ['initial', 'incremental', 'scheduled', 'manual', 'webhook', 'backfill'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** Modes a caller may ask for; `initial` is downgraded to `incremental` once the backfill has completed. */
export const REQUESTABLE_SYNC_MODES = ['initial', 'manual', 'backfill', 'scheduled', 'incremental'] as const;
export type RequestedSyncMode = (typeof REQUESTABLE_SYNC_MODES)[number];

/** Syncs that walk only recent items; any of them also covers pending webhook events. */
export const INCREMENTAL_MODES: readonly SyncMode[] = ['incremental', 'scheduled', 'webhook'];

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
  /** Billable reads on a pay-per-use platform (X): resources returned, not requests. Absent elsewhere. */
  reads?: ReadUsage;
  /** What `reads` cost at the configured prices, in US dollars. Absent where the platform does not charge. */
  estimatedCostUsd?: number;
}

/** Resources a pay-per-use platform bills for (X charges per post and per user returned). */
export interface ReadUsage {
  posts: number;
  users: number;
}

/** What `GET /api/users/{userId}/connections/{platform}` answers. */
export interface ConnectionStatus {
  status: ConnectionStatusName;
  lastSync: string | null;
  lastSyncMode: SyncMode | null;
  nextSyncAt: string | null;
  counts: Partial<Record<ItemKind, number>>;
  error?: string;
  /** ISO instant until which syncs are paused by the platform's usage cap (X's monthly post cap); absent otherwise. */
  pausedUntil?: string;
}
