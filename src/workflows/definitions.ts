/**
 * Names shared by workflows, activities, workers and the Temporal client side: task queues, signals, queries,
 * updates, search attribute keys and workflow/schedule ids. Imported by both sides, so it must stay
 * deterministic and dependency-free (only @temporalio/common and @temporalio/workflow definitions).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ItemKind, PlatformId, WebhookEvent } from '../platforms/types';
import type { ConnectionKey, ConnectionStatusName, SyncMode, SyncSummary } from '../domain';

// ── Task queues ────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Task queue names share a prefix, so that separate deployments (or test files) on one Temporal namespace
 * never pick up each other's tasks. Workflows carry the prefix in their input.
 */
export const DEFAULT_TASK_QUEUE_PREFIX = 'socialsync';

/** Workflow tasks and the platform-agnostic bookkeeping activities (Firestore status, schedule pause). */
export function workflowTaskQueue(prefix: string = DEFAULT_TASK_QUEUE_PREFIX): string {
  return `${prefix}-workflows`;
}

/**
 * One activity queue per platform, so each platform's per-app limit is enforced by the server across every
 * worker through `maxTaskQueueActivitiesPerSecond`.
 */
export function platformTaskQueue(platform: PlatformId, prefix: string = DEFAULT_TASK_QUEUE_PREFIX): string {
  return `${prefix}-${platform}`;
}

// ── Search attributes (registered on the cluster: UserId, Platform, SyncMode, all Keyword) ────────────────
export const UserIdAttribute = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const PlatformAttribute = defineSearchAttributeKey('Platform', SearchAttributeType.KEYWORD);
export const SyncModeAttribute = defineSearchAttributeKey('SyncMode', SearchAttributeType.KEYWORD);

// ── Ids ────────────────────────────────────────────────────────────────────────────────────────────────────
/** The long-lived per-connection workflow. */
export function connectionWorkflowId({ userId, platform }: ConnectionKey): string {
  return `connection:${userId}:${platform}`;
}

/** The Temporal Schedule of a connection (public contract). */
export function scheduleId({ userId, platform }: ConnectionKey): string {
  return `sync:${userId}:${platform}`;
}

/** One sync run (a child of the connection workflow); `n` counts syncs of the connection. */
export function syncWorkflowId(ref: ConnectionKey & { mode: SyncMode; n: number }): string {
  return `sync:${ref.userId}:${ref.platform}:${ref.mode}:${ref.n}`;
}

/** Workflow started by the schedule on each tick; it only asks the connection workflow for a sync. */
export function scheduledTriggerWorkflowIdPrefix(ref: ConnectionKey): string {
  return `${scheduleId(ref)}:tick`;
}

// ── Messages of the connection workflow ────────────────────────────────────────────────────────────────────
/** Modes a caller may ask for; `initial` is downgraded to `incremental` once the backfill has completed. */
export type RequestedSyncMode = Extract<
  SyncMode,
  'initial' | 'manual' | 'backfill' | 'scheduled' | 'incremental'
>;

export interface SyncRequest {
  mode: RequestedSyncMode;
}

export interface SyncHandle {
  workflowId: string;
  runId: string;
  /** The mode the sync runs in (may differ from the one requested, e.g. initial → incremental). */
  mode: SyncMode;
}

/** Asks for a sync and answers once the sync workflow has started (serialised: one at a time). */
export const requestSyncUpdate = defineUpdate<SyncHandle, [SyncRequest]>('requestSync');
/** Fire-and-forget variant used by the schedule's trigger workflow. */
export const syncRequestedSignal = defineSignal<[SyncRequest]>('syncRequested');
/** Webhook events for this connection (deduplicated by eventId, debounced into one sync). */
export const webhookEventsSignal = defineSignal<[WebhookEvent[]]>('webhookEvents');
/** The user connected again (fresh tokens stored): leave needs_reauth, unpause the schedule. */
export const reconnectedSignal = defineSignal<[{ accountId: string }]>('reconnected');
/** Stop syncing: cancels a running sync and ends the connection workflow. */
export const disconnectSignal = defineSignal<[]>('disconnect');

export interface ConnectionQueryResult {
  userId: string;
  platform: PlatformId;
  accountId: string;
  status: ConnectionStatusName;
  error: string | null;
  running: SyncHandle | null;
  queued: SyncMode[];
  lastSync: string | null;
  lastSyncMode: SyncMode | null;
  /** Most recent first, at most 20. */
  recentSyncs: SyncSummary[];
  /** Webhook events seen (after dedupe) and not yet covered by a sync. */
  pendingWebhookEvents: number;
  /** Event ids remembered for dedupe (bounded; carried across continue-as-new). */
  seenEventCount: number;
  /** Item kinds whose walk the budget cut short and a backfill will continue. */
  pendingBackfill: ItemKind[];
  /** Calls still allowed right now, per budget bucket. */
  budgetRemaining: Record<string, number>;
  /** Epoch ms of the current access token's expiry (never the token itself). */
  tokenExpiresAt: number | null;
  syncCount: number;
  /** Webhook deletions given up: invalid ids, or carried back by too many failed syncs (finding 2 of issue 14). */
  droppedDeletions: number;
  /** ISO instant until which syncs are paused by the platform's usage cap (X's monthly post cap); else null. */
  pausedUntil?: string | null;
}

export const connectionStatusQuery = defineQuery<ConnectionQueryResult>('status');
