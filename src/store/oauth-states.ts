/**
 * Server-side OAuth `state` for the connect flow (DESIGN.md: "state and PKCE verifier kept server-side").
 *
 * Rules, precisely:
 * - `create` makes 32 random bytes, base64url (43 characters). Only their SHA-256 is stored, as the document id
 *   `_oauthStates/{hash}`: someone reading the database cannot complete a pending flow. The PKCE code verifier is
 *   encrypted with the token keyring (AAD binds it to this state, user and platform).
 * - `consume(state, platform)` runs in one transaction and succeeds at most once per state: the document is deleted
 *   in the same transaction that reads it.
 * - A state lives 10 minutes (option `ttlMs`). An expired state is deleted and reported as `expired`.
 * - A state presented on another platform's callback is reported as `platform_mismatch` and NOT consumed: the
 *   request cannot complete that flow anyway, and consuming would let a misrouted or forged callback cancel the
 *   user's real, still-pending connect. (Called without a platform, `consume` skips this check and the caller
 *   compares `record.platform` itself — after the state is already spent.)
 * - A state never issued, already consumed, or malformed is `unknown` (indistinguishable on purpose).
 * Documents carry `expiresAt` for a Firestore TTL policy that sweeps abandoned flows.
 */
import { randomBytes } from 'node:crypto';
import { Timestamp, type DocumentData, type Firestore } from 'firebase-admin/firestore';
import type { PlatformId } from '../platforms/types';
import { decrypt, encrypt, isEnvelope, type Keyring } from './crypto';
import { paths, sha256Hex } from './paths';

export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

export interface CreateOAuthStateRequest {
  userId: string;
  platform: PlatformId;
  /** PKCE verifier, for platforms that use PKCE. Stored encrypted. */
  codeVerifier?: string;
  redirectUri: string;
  /** Hash of the starting browser's cookie nonce (see src/webhooks/connect-flow.ts); stored as is. */
  browserBinding?: string;
  /** Lifetime of this state; default: the store's `ttlMs` (10 minutes). */
  ttlMs?: number;
}

export interface OAuthStateRecord {
  userId: string;
  platform: PlatformId;
  redirectUri: string;
  codeVerifier?: string;
  browserBinding?: string;
  createdAt: Date;
}

export type OAuthStateFailure = 'unknown' | 'expired' | 'platform_mismatch';

/** The callback answers this with 400 and asks the user to connect again; the message holds no secret. */
export class OAuthStateError extends Error {
  constructor(readonly reason: OAuthStateFailure) {
    super(
      {
        unknown: 'unknown or already used OAuth state',
        expired: 'the OAuth state has expired; start connecting again',
        platform_mismatch: 'the OAuth state belongs to another platform',
      }[reason],
    );
    this.name = 'OAuthStateError';
  }
}

export interface OAuthStateStore {
  /** Returns the state to put into the authorize URL. */
  create(req: CreateOAuthStateRequest): Promise<string>;
  /**
   * Single use; throws `OAuthStateError` (see the module comment for each reason). `platform` is the callback's
   * platform; pass it so that a state on the wrong callback is refused without being spent.
   */
  consume(state: string, platform?: PlatformId): Promise<OAuthStateRecord>;
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
    async create({ userId, platform, codeVerifier, redirectUri, browserBinding, ttlMs = defaultTtlMs }) {
      const state = randomBytes(32).toString('base64url');
      const hash = sha256Hex(state);
      const createdAt = now();
      await db.doc(paths.oauthStateDoc(hash)).create({
        userId,
        platform,
        redirectUri,
        ...(browserBinding === undefined ? {} : { browserBinding }),
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
      if (!STATE_PATTERN.test(state)) throw new OAuthStateError('unknown');
      const hash = sha256Hex(state);
      const ref = db.doc(paths.oauthStateDoc(hash));
      // The transaction returns its verdict instead of throwing: a throw would roll back the delete of an expired state.
      type Outcome = { failure: OAuthStateFailure } | { data: DocumentData };
      const outcome = await db.runTransaction(async (tx): Promise<Outcome> => {
        const snap = await tx.get(ref);
        const data = snap.data();
        if (data === undefined) return { failure: 'unknown' };
        if (platform !== undefined && data.platform !== platform) return { failure: 'platform_mismatch' };
        tx.delete(ref);
        const expiresAt = data.expiresAt as Timestamp;
        if (expiresAt.toMillis() <= now().getTime()) return { failure: 'expired' };
        return { data };
      });
      if ('failure' in outcome) throw new OAuthStateError(outcome.failure);
      const { data } = outcome;
      const record: OAuthStateRecord = {
        userId: data.userId as string,
        platform: data.platform as PlatformId,
        redirectUri: data.redirectUri as string,
        createdAt: (data.createdAt as Timestamp).toDate(),
      };
      if (typeof data.browserBinding === 'string') record.browserBinding = data.browserBinding;
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
