/**
 * Server-side OAuth `state` for the connect flow (docs/contract.md: "state and PKCE verifier kept server-side").
 *
 * Rules, precisely:
 * - `create` makes 32 random bytes, base64url (43 characters). Only their SHA-256 is stored, as the document id
 *   `_oauthStates/{hash}`: someone reading the database cannot complete a pending flow. The PKCE code verifier is
 *   encrypted with the token keyring (AAD binds it to this state, user and platform).
 * - `consume(state, platform)` runs in one transaction and succeeds at most once per state: the document is deleted
 *   in the same transaction that reads it.
 * - A state lives 10 minutes (option `ttlMs`). An expired state is deleted, and `consume` answers undefined.
 * - A state presented on another platform's callback is refused (undefined) and NOT consumed: the request cannot
 *   complete that flow anyway, and consuming would let a misrouted or forged callback cancel the user's real,
 *   still-pending connect. (Called without a platform, `consume` skips this check and the caller compares
 *   `record.platform` itself — after the state is already spent.)
 * - A state never issued, already consumed, or malformed is undefined as well: the callback cannot tell these cases
 *   apart, and neither can whoever forged it.
 * A verifier that cannot be decrypted (a key missing from the keyring) still throws: that is a server fault, not a
 * stale link. Documents carry `expiresAt` for a Firestore TTL policy that sweeps abandoned flows.
 */
import { randomBytes } from 'node:crypto';
import { Timestamp, type DocumentData, type Firestore } from 'firebase-admin/firestore';
import type { PlatformId } from '../domain';
import { decrypt, encrypt, isEnvelope, type Keyring } from './crypto';
import { paths, sha256Hex } from './paths';

export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

export interface CreateOAuthStateRequest {
  userId: string;
  platform: PlatformId;
  /** PKCE verifier, for platforms that use PKCE. Stored encrypted. */
  codeVerifier?: string;
  redirectUri: string;
  /** Lifetime of this state; default: the store's `ttlMs` (10 minutes). */
  ttlMs?: number;
}

export interface OAuthStateRecord {
  userId: string;
  platform: PlatformId;
  redirectUri: string;
  codeVerifier?: string;
  createdAt: Date;
}

export interface OAuthStateStore {
  /** Returns the state to put into the authorize URL. */
  create(req: CreateOAuthStateRequest): Promise<string>;
  /**
   * Single use: the pending authorization, or undefined when the state is unknown, spent, expired or (with
   * `platform`, the callback's platform) issued for another platform — which is refused without being spent.
   */
  consume(state: string, platform?: PlatformId): Promise<OAuthStateRecord | undefined>;
}

export interface CreateOAuthStateStoreOptions {
  db: Firestore;
  keyring: Keyring;
  ttlMs?: number;
  /** Injected for expiry tests. */
  now?: () => Date;
}

const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const verifierAad = (hash: string, userId: string, platform: PlatformId) =>
  `oauth-state:${hash}:${userId}:${platform}`;

export function createOAuthStateStore({
  db,
  keyring,
  ttlMs: defaultTtlMs = OAUTH_STATE_TTL_MS,
  now = () => new Date(),
}: CreateOAuthStateStoreOptions): OAuthStateStore {
  return {
    async create({ userId, platform, codeVerifier, redirectUri, ttlMs = defaultTtlMs }) {
      const state = randomBytes(32).toString('base64url');
      const hash = sha256Hex(state);
      const createdAt = now();
      await db.doc(paths.oauthStateDoc(hash)).create({
        userId,
        platform,
        redirectUri,
        codeVerifier:
          codeVerifier === undefined
            ? undefined
            : encrypt({ keyring, plaintext: codeVerifier, aad: verifierAad(hash, userId, platform) }),
        createdAt: Timestamp.fromDate(createdAt),
        expiresAt: Timestamp.fromMillis(createdAt.getTime() + ttlMs),
      });
      return state;
    },

    async consume(state, platform) {
      if (!STATE_PATTERN.test(state)) return undefined;
      const hash = sha256Hex(state);
      const ref = db.doc(paths.oauthStateDoc(hash));
      // The transaction returns its verdict instead of throwing: a throw would roll back the delete of an expired state.
      const data = await db.runTransaction(async (tx): Promise<DocumentData | undefined> => {
        const snap = await tx.get(ref);
        const found = snap.data();
        if (found === undefined) return undefined;
        if (platform !== undefined && found.platform !== platform) return undefined;
        tx.delete(ref);
        const expiresAt = found.expiresAt as Timestamp;
        return expiresAt.toMillis() <= now().getTime() ? undefined : found;
      });
      if (data === undefined) return undefined;
      const record: OAuthStateRecord = {
        userId: data.userId as string,
        platform: data.platform as PlatformId,
        redirectUri: data.redirectUri as string,
        createdAt: (data.createdAt as Timestamp).toDate(),
      };
      if (isEnvelope(data.codeVerifier)) {
        record.codeVerifier = decrypt({
          keyring,
          envelope: data.codeVerifier,
          aad: verifierAad(hash, record.userId, record.platform),
        });
      }
      return record;
    },
  };
}
