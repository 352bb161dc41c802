/**
 * Interfaces of the persistence layer, shared by the sync engine (activities) and the HTTP service.
 * Implementations: src/store/*.ts over firebase-admin.
 */
import type {
  AccountSnapshot,
  Audience,
  Item,
  ItemKind,
  PlatformId,
  Profile,
  TokenSet,
} from '../platforms/types';
import type { ConnectionKey, ConnectionStatusName, SyncMode } from '../domain';

export type { ConnectionKey } from '../domain';

/**
 * Encrypted token storage (AES-256-GCM, key id beside the ciphertext) in a server-only collection.
 * `update` runs read-modify-write in a transaction so two refreshes of one token cannot interleave.
 */
export interface TokenStore {
  save(key: ConnectionKey, tokens: TokenSet): Promise<void>;
  load(key: ConnectionKey): Promise<TokenSet | undefined>;
  delete(key: ConnectionKey): Promise<void>;
  /** Re-encrypts every stored token with the current (first) key; returns how many were rewritten. */
  rotateKeys(): Promise<number>;
  /**
   * Takes the connection's refresh lease for `holder` when it is free or expired (its holder crashed); false while
   * another holder has it. Rotating refresh tokens are single use: only the lease holder may spend one, the others
   * wait and re-read the token it saves (finding 6 of issue 14).
   */
  acquireRefreshLease(key: ConnectionKey, lease: RefreshLeaseRequest): Promise<boolean>;
  /** Gives the lease back if `holder` still has it (a taken-over lease is left to its new holder). */
  releaseRefreshLease(key: ConnectionKey, holder: string): Promise<void>;
  /**
   * The same store for a second authorization of the connection named `slot` (TikTok's Business API grant:
   * `business`): its own encrypted documents and refresh lease. Absent in stores that hold only one grant.
   */
  forSlot?(slot: string): TokenStore;
}

export interface RefreshLeaseRequest {
  /** Unique per refresh attempt. */
  holder: string;
  /** How long the lease protects a refresh before anyone may take it over. */
  ttlMs: number;
}

/** Which connection a platform account belongs to (webhooks name accounts, not users). */
export interface AccountIndex {
  put(platform: PlatformId, accountId: string, key: ConnectionKey): Promise<void>;
  find(platform: PlatformId, accountId: string): Promise<ConnectionKey[]>;
  remove(platform: PlatformId, accountId: string, key: ConnectionKey): Promise<void>;
}

/** The platform document `users/{userId}/platforms/{platform}` (docs/contract.md → Firestore), as the engine sees it. */
export interface ConnectionDoc {
  accountId: string;
  status: ConnectionStatusName;
  lastSync: Date | null;
  lastSyncMode: SyncMode | null;
  profile?: Profile;
  insights?: Record<string, number>;
  audience?: Audience;
  /** Why the connection is in `error` / `needs_reauth`; null once healthy again. */
  error?: string | null;
  counts?: Partial<Record<ItemKind, number>>;
  /** Incremental-sync checkpoints per item kind, saved only after the data they cover is written. */
  cursors?: Partial<Record<ItemKind, ItemCursor>>;
  /** How many items per kind a budget-cut sync has not covered yet (a later backfill finishes them). */
  pending?: Partial<Record<ItemKind, number>>;
  /** Metrics, breakdowns or edges the platform refused for this account, with its reason (replaced every sync). */
  unavailable?: Record<string, string>;
  /** Webhook delivery at the platform: subscribed on connect; `error` says why not (scheduled syncs still cover). */
  webhooks?: ConnectionWebhooks;
  /** The optional second authorization (TikTok Business API): absent until it is connected. */
  business?: ConnectionBusiness;
  /** Billable reads of the current calendar month (UTC) on a pay-per-use platform (X); absent elsewhere. */
  usage?: ConnectionUsage;
  /** Syncs of this connection are paused until then (X's monthly usage cap); null once it is lifted. */
  pausedUntil?: Date | null;
}

/** Billable reads accumulated per calendar month (UTC): a new month starts from zero. */
export interface ConnectionUsage {
  /** `YYYY-MM` (UTC). */
  month: string;
  postReads: number;
  userReads: number;
  /** At the configured prices; an upper bound of the bill (the platform charges a resource once per UTC day). */
  estimatedCostUsd: number;
}

/** Ids of stored, not deleted items a sync refreshes by id (a pay-per-use platform's cheaper incremental path). */
export interface RefreshCandidates {
  /** Created at or after `createdSince`. */
  recent: string[];
  /** Created before it, least recently updated first, at most `olderLimit`. */
  older: string[];
}

/**
 * State of a connection's second authorization (TikTok Business API). Its failures never fail the connection's
 * sync: they show here and under `unavailable`, and only this part needs reconnecting when its grant is revoked.
 */
export interface ConnectionBusiness {
  status: 'connected' | 'needs_reauth' | 'error' | 'disconnected';
  error: string | null;
}

export interface ConnectionWebhooks {
  subscribed: boolean;
  error?: string | null;
}

export interface ItemCursor {
  newestId?: string;
  newestCreatedAt?: string;
}

/**
 * Firestore sink: idempotent, batched (≤ 500 writes per batch), merge writes with document id = platform id.
 */
export interface SyncSink {
  /** Upserts items and stamps each with `lastSeenSync = syncId`; returns how many were written. */
  writeItems(key: ConnectionKey, kind: ItemKind, items: Item[], opts: { syncId: string }): Promise<number>;
  /**
   * Marks `deleted: true` on stored items created in `[from, to]` that the sync `syncId` did not see; returns their ids.
   */
  markUnseenDeleted(
    key: ConnectionKey,
    kind: ItemKind,
    opts: { syncId: string; from: Date; to: Date },
  ): Promise<string[]>;
  markDeleted(key: ConnectionKey, kind: ItemKind, ids: string[]): Promise<void>;
  /** Profile, latest insights and audience on the platform document; daily insights in `insights/{YYYY-MM-DD}`. */
  writeAccount(key: ConnectionKey, snapshot: Omit<AccountSnapshot, 'usage'>): Promise<void>;
  updateConnection(key: ConnectionKey, patch: Partial<ConnectionDoc>): Promise<void>;
  readConnection(key: ConnectionKey): Promise<ConnectionDoc | undefined>;
  countItems(key: ConnectionKey, kind: ItemKind): Promise<number>;
  /** Stored, not deleted items to refresh by id: those created since `createdSince` and a rotation of older ones. */
  refreshCandidates(
    key: ConnectionKey,
    kind: ItemKind,
    opts: { createdSince: Date; olderLimit: number },
  ): Promise<RefreshCandidates>;
  /** Adds reads to the connection's `usage` of `month` (a new month replaces the previous one's totals). */
  addUsage(key: ConnectionKey, add: ConnectionUsage): Promise<ConnectionUsage>;
}
