/**
 * Interfaces of the persistence layer, shared by the sync engine (activities) and the HTTP service.
 * Implementations: src/store/*.ts over firebase-admin.
 */
import type { PlatformId, TokenSet } from '../platforms/types';

export interface ConnectionKey {
  userId: string;
  platform: PlatformId;
}

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
}

/** Which connection a platform account belongs to (webhooks name accounts, not users). */
export interface AccountIndex {
  put(platform: PlatformId, accountId: string, key: ConnectionKey): Promise<void>;
  find(platform: PlatformId, accountId: string): Promise<ConnectionKey[]>;
  remove(platform: PlatformId, accountId: string, key: ConnectionKey): Promise<void>;
}

/** The platform document `users/{userId}/platforms/{platform}` (DESIGN.md → Firestore), as the engine sees it. */
export interface ConnectionDoc {
  accountId: string;
  status: import('../sync/service').ConnectionStatusName;
  lastSync: Date | null;
  lastSyncMode: import('../sync/service').SyncMode | null;
  profile?: import('../platforms/types').Profile;
  insights?: Record<string, number>;
  audience?: import('../platforms/types').Audience;
  /** Why the connection is in `error` / `needs_reauth`; null once healthy again. */
  error?: string | null;
  counts?: Partial<Record<import('../platforms/types').ItemKind, number>>;
  /** Incremental-sync checkpoints per item kind, saved only after the data they cover is written. */
  cursors?: Partial<Record<import('../platforms/types').ItemKind, ItemCursor>>;
  /** Item ids whose metrics the rate budget has not covered yet, newest first. */
  pending?: Partial<Record<import('../platforms/types').ItemKind, string[]>>;
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
  writeItems(
    key: ConnectionKey,
    kind: import('../platforms/types').ItemKind,
    items: import('../platforms/types').Item[],
    opts: { syncId: string },
  ): Promise<number>;
  /**
   * Marks `deleted: true` on stored items created in `[from, to]` that the sync `syncId` did not see; returns their ids.
   */
  markUnseenDeleted(
    key: ConnectionKey,
    kind: import('../platforms/types').ItemKind,
    opts: { syncId: string; from: Date; to: Date },
  ): Promise<string[]>;
  markDeleted(key: ConnectionKey, kind: import('../platforms/types').ItemKind, ids: string[]): Promise<void>;
  /** Profile, latest insights and audience on the platform document; daily insights in `insights/{YYYY-MM-DD}`. */
  writeAccount(
    key: ConnectionKey,
    snapshot: Omit<import('../platforms/types').AccountSnapshot, 'usage'>,
  ): Promise<void>;
  updateConnection(key: ConnectionKey, patch: Partial<ConnectionDoc>): Promise<void>;
  readConnection(key: ConnectionKey): Promise<ConnectionDoc | undefined>;
  countItems(key: ConnectionKey, kind: import('../platforms/types').ItemKind): Promise<number>;
}
