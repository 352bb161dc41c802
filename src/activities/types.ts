/** Inputs and results of the activities. Small and token-free: everything here is recorded in history. */
import type { CallUsage, ItemKind, RateWindow } from '../platforms/types';
import type { ItemCursor } from '../store/types';
import type { ConnectionKey, ConnectionStatusName, ReadUsage, SyncMode } from '../domain';

/** What a platform call read on a pay-per-use platform (X) and what that cost; both absent elsewhere. */
export interface BilledReads {
  reads?: ReadUsage;
  /** At the configured prices, US dollars. */
  costUsd?: number;
}

export interface PlatformLimits {
  rateLimits: RateWindow[];
  /** How long before expiry the connection workflow refreshes the token (ms). */
  refreshMarginMs: number;
}

export interface TokenExpiry {
  /** Epoch ms; null when the token does not expire or no token is stored. */
  expiresAt: number | null;
}

export interface RefreshTokenInput {
  key: ConnectionKey;
  /**
   * The expiry the caller planned this refresh for (the connection workflow's timer, on workflow time). A stored
   * token that still expires then (or earlier) is refreshed; one that expires later was refreshed by someone else
   * and is left alone, so a rotating refresh token is never spent twice. Without it, the connector's margin and
   * the activity clock decide.
   */
  knownExpiresAt?: number | null;
  /** Margin for the clock-based check (default: the connector's `refreshMarginMs`). */
  marginMs?: number;
}

export interface RefreshTokenResult extends TokenExpiry {
  refreshed: boolean;
}

export interface SyncAccountInput {
  key: ConnectionKey;
  /** Daily insights range, epoch ms `[since, until)`. */
  since: number;
  until: number;
}

export interface SyncAccountResult extends BilledReads {
  accountId: string;
  postCount: number | null;
  usage: CallUsage;
  tokenRefreshed: boolean;
}

export interface SyncItemsPageInput {
  key: ConnectionKey;
  kind: ItemKind;
  /** Stamped on every written item (`lastSeenSync`) so deletions can be detected afterwards. */
  syncId: string;
  cursor?: string;
  sinceId?: string;
  pageSize?: number;
}

export interface SyncItemsPageResult extends BilledReads {
  written: number;
  nextCursor: string | null;
  newestId: string | null;
  /** ISO instants of the newest and oldest item of the page. */
  newestCreatedAt: string | null;
  oldestCreatedAt: string | null;
  usage: CallUsage;
  tokenRefreshed: boolean;
}

export interface SyncItemsPagesInput extends SyncItemsPageInput {
  /**
   * Pages this activity reads at most, and calls after which it starts no further page (the workflow sizes it to
   * the rate budget's room).
   */
  maxPages: number;
  /** ISO instant: stop after a page whose oldest item is older (incremental walks' horizon). */
  stopBefore?: string;
}

/** Several pages of one walk, read and written by one activity attempt (or resumed from its checkpoint). */
export interface SyncItemsPagesResult extends SyncItemsPageResult {
  pages: number;
}

/**
 * Heartbeat details of `syncItemsPages`: everything read and written so far, so a retried attempt continues with
 * the page that failed instead of starting over.
 */
export interface PagesCheckpoint {
  /** The next page to read; null once the walk reached its end. */
  cursor: string | null;
  pages: number;
  written: number;
  newestId: string | null;
  newestCreatedAt: string | null;
  oldestCreatedAt: string | null;
  usage: CallUsage;
  tokenRefreshed: boolean;
  /** Billable reads of the pages so far (pay-per-use platforms), already recorded on the connection's usage. */
  reads?: ReadUsage;
  costUsd?: number;
  /** Billable reads of the pages so far not yet recorded: recorded once per batch (and by a resumed attempt). */
  unrecorded?: ReadUsage;
  /** The activity read what it meant to (maxPages, the horizon or the end). */
  done: boolean;
}

export interface RefreshPlanInput {
  key: ConnectionKey;
  kind: ItemKind;
}

/**
 * Stored items an incremental sync refreshes by id instead of re-walking the listing (X: young posts plus a small
 * rotation of older ones, src/platforms/billing.ts); null where the platform does not bill reads.
 */
export type RefreshPlan = {
  ids: string[];
  /** How many of `ids` are young enough for the age rule; the rest are the rotation of older ones. */
  recent: number;
  /** Ids per `refreshItemsByIds` call (X: 100). */
  batchSize: number;
} | null;

export interface RefreshItemsByIdInput {
  key: ConnectionKey;
  kind: ItemKind;
  syncId: string;
  ids: string[];
}

export interface RefreshItemsByIdResult extends BilledReads {
  written: number;
  /** Ids the platform no longer has, now marked `deleted: true`. */
  deleted: number;
  usage: CallUsage;
  tokenRefreshed: boolean;
}

export interface MarkUnseenDeletedInput {
  key: ConnectionKey;
  kind: ItemKind;
  syncId: string;
  /** ISO instants, inclusive. */
  from: string;
  to: string;
}

export interface MarkDeletedInput {
  key: ConnectionKey;
  kind: ItemKind;
  ids: string[];
}

export interface SyncStartedInput {
  key: ConnectionKey;
  mode: SyncMode;
}

export interface FinishSyncInput {
  key: ConnectionKey;
  mode: SyncMode;
  /** ISO instants the sync started and finished (workflow time); the duration feeds the sync metrics. */
  startedAt?: string;
  finishedAt: string;
  /** Only kinds whose checkpoint advanced. */
  cursors: Partial<Record<ItemKind, ItemCursor>>;
  /**
   * Items the rate budget left for a later sync, per kind walked in full (0 clears an earlier count); kinds
   * absent are left as stored.
   */
  pending?: Partial<Record<ItemKind, number>>;
}

export interface FinishSyncResult {
  counts: Partial<Record<ItemKind, number>>;
}

export interface SetStatusInput {
  key: ConnectionKey;
  status: ConnectionStatusName;
  error: string | null;
  accountId?: string;
  /** The sync whose failure this status reports, for the sync metrics. */
  failedSync?: { mode: SyncMode; startedAt: string; failedAt: string };
  /** ISO instant syncs are paused until (X's monthly usage cap); null clears it; absent leaves it as stored. */
  pausedUntil?: string | null;
}

/** What the activities need of the connection's Temporal Schedule (implemented in src/sync/schedules.ts). */
export interface SchedulePauser {
  pause(key: ConnectionKey, note: string): Promise<void>;
  unpause(key: ConnectionKey, note: string): Promise<void>;
}

export interface ScheduleControlInput {
  key: ConnectionKey;
  note: string;
}
