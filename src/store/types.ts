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
