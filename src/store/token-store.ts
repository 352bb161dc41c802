/**
 * Encrypted OAuth tokens in the server-only collection `_tokens/{platform}:{userId}`.
 *
 * The whole TokenSet is one AES-256-GCM ciphertext (see crypto.ts) with AAD `${userId}:${platform}`: a ciphertext
 * copied into another user's document cannot be decrypted there. Nothing of the token is stored in plaintext; the
 * document holds only who it belongs to, the key id and the envelope.
 *
 * A connection may hold a second authorization in a named slot (TikTok's Business API grant, slot `business`):
 * `forSlot(slot)` is the same store over `_tokens/{platform}+{slot}:{userId}` with AAD `${userId}:${platform}+${slot}`
 * and its own refresh lease, so the two grants never overwrite, decrypt or block each other.
 */
import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type Firestore,
  type Transaction,
} from 'firebase-admin/firestore';
import { z } from 'zod';
import { PlatformId, type TokenSet } from '../platforms/types';
import { silentLogger, type Logger } from '../shared/logger';
import {
  CryptoError,
  decrypt,
  encrypt,
  isEnvelope,
  needsRotation,
  type Envelope,
  type Keyring,
} from './crypto';
import { COLLECTIONS, paths } from './paths';
import type { TokenStore } from './types';
import type { ConnectionKey } from '../domain';

/** What a decrypted token must look like; anything else is corruption, not a token. */
const StoredTokenSet = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  expiresAt: z.number().optional(),
  refreshExpiresAt: z.number().optional(),
  scopes: z.array(z.string()),
  accountId: z.string(),
  issuedAt: z.number(),
});

interface TokenDocument extends Envelope {
  userId: string;
  platform: PlatformId;
  /** Present for a second authorization's token (see `forSlot`). */
  slot?: string;
}

/**
 * TokenStore plus `update`, the transactional read-modify-write that keeps two refreshes of one token from
 * interleaving (firebase-admin transactions lock the document they read, so a second `update` of the same
 * connection waits for the first and then sees its result).
 */
export interface FirestoreTokenStore extends TokenStore {
  /**
   * Reads the current tokens, lets `change` compute the next ones and writes them, all in one transaction.
   * `change` returning `undefined` writes nothing. It may run more than once if the transaction is retried, so it
   * must look at `current` first (e.g. "already refreshed by someone else? then keep it").
   */
  update(
    key: ConnectionKey,
    change: (current: TokenSet | undefined) => Promise<TokenSet | undefined> | TokenSet | undefined,
  ): Promise<TokenSet | undefined>;
  /** The same store for the connection's second authorization named `slot` (e.g. `business`). */
  forSlot(slot: string): FirestoreTokenStore;
}

export interface CreateTokenStoreOptions {
  db: Firestore;
  /** Parsed TOKEN_ENCRYPTION_KEYS (or `devKeyring(dataDir)` for local runs). */
  keyring: Keyring;
  logger?: Logger;
  /**
   * Wall-clock time of refresh leases (default `Date.now`). Leases are compared across processes, so this is never
   * a sandbox clock; tests pass a shifted one to stand for a holder that crashed long ago.
   */
  now?: () => number;
  /** A second authorization's slot (see `forSlot`); absent = the connection's own token. */
  slot?: string;
}

/**
 * A stored token that cannot be opened any more (its key left the keyring, the ciphertext is corrupt, it was moved
 * to another document): for a reconnect or a disconnect it is as good as absent — it can be neither used nor
 * revoked, only overwritten or deleted (finding 5 of issue 14). Key or store outages are not this.
 */
export function isUnreadableToken(err: unknown): boolean {
  return err instanceof CryptoError && err.code !== 'bad_keyring';
}

/**
 * `tokenStore.load(key)`, with an unreadable token reported as absent (`unreadable: true`) and logged by its
 * connection and error code only, never its content.
 */
export async function loadReadableTokens(
  tokenStore: Pick<TokenStore, 'load'>,
  key: ConnectionKey,
  logger: Logger,
): Promise<{ tokens: TokenSet | undefined; unreadable: boolean }> {
  try {
    return { tokens: await tokenStore.load(key), unreadable: false };
  } catch (err) {
    if (!isUnreadableToken(err)) throw err;
    logger.warn(
      { userId: key.userId, platform: key.platform, cryptoError: (err as CryptoError).code },
      'stored token cannot be decrypted; treated as absent',
    );
    return { tokens: undefined, unreadable: true };
  }
}

export const tokenAad = ({ userId, platform }: ConnectionKey, slot?: string): string =>
  slot === undefined ? `${userId}:${platform}` : `${userId}:${platform}+${slot}`;

export function createTokenStore({
  db,
  keyring,
  logger = silentLogger,
  now = Date.now,
  slot,
}: CreateTokenStoreOptions): FirestoreTokenStore {
  const log = logger.child({ module: 'token-store', ...(slot ? { slot } : {}) });
  const ref = (key: ConnectionKey) => db.doc(paths.tokenDoc(key, slot));
  const leaseRef = (key: ConnectionKey) => db.doc(paths.tokenLeaseDoc(key, slot));

  const seal = (key: ConnectionKey, tokens: TokenSet, docSlot = slot): TokenDocument => {
    const valid = StoredTokenSet.safeParse(tokens);
    if (!valid.success) {
      // Name the bad fields only; their values may be secrets.
      const fields = [...new Set(valid.error.issues.map((i) => i.path.join('.')))].join(', ');
      throw new Error(
        `refusing to store an invalid TokenSet for ${key.platform}:${key.userId} (fields: ${fields})`,
      );
    }
    return {
      userId: key.userId,
      platform: key.platform,
      ...(docSlot !== undefined ? { slot: docSlot } : {}),
      ...encrypt({ keyring, plaintext: JSON.stringify(valid.data), aad: tokenAad(key, docSlot) }),
    };
  };

  const open = (key: ConnectionKey, data: DocumentData, docSlot = slot): TokenSet => {
    const where = `token of ${key.platform}${docSlot ? `+${docSlot}` : ''}:${key.userId}`;
    if (!isEnvelope(data)) throw new CryptoError('malformed', `${where} is not an encrypted envelope`);
    let plaintext: string;
    try {
      plaintext = decrypt({ keyring, envelope: data, aad: tokenAad(key, docSlot) });
    } catch (err) {
      if (err instanceof CryptoError) throw new CryptoError(err.code, `${where}: ${err.message}`);
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(plaintext);
    } catch {
      json = undefined; // JSON.parse's message quotes its input: never let it near a log.
    }
    const parsed = StoredTokenSet.safeParse(json);
    // Do not include zod's issue list either: it could quote token material.
    if (!parsed.success)
      throw new CryptoError('malformed', `${where} decrypted to something that is not a TokenSet`);
    return parsed.data;
  };

  const write = (tx: Transaction | undefined, target: DocumentReference, doc: TokenDocument) => {
    const data = { ...doc, updatedAt: FieldValue.serverTimestamp() };
    // set() without merge: the previous envelope is replaced as a whole, never mixed with the new one.
    return tx ? tx.set(target, data) : target.set(data);
  };

  /**
   * The connection (and slot) a token document belongs to, checked against its id so a moved document is refused.
   * Key rotation walks the whole collection, so it meets the documents of every slot.
   */
  const keyOf = (
    docRef: DocumentReference,
    data: DocumentData,
  ): { key: ConnectionKey; docSlot: string | undefined } => {
    const platform = PlatformId.safeParse(data.platform);
    const docSlot = typeof data.slot === 'string' ? data.slot : undefined;
    const key =
      platform.success && typeof data.userId === 'string'
        ? { userId: data.userId, platform: platform.data }
        : undefined;
    let expected: string | undefined;
    try {
      expected = key ? paths.tokenDoc(key, docSlot) : undefined;
    } catch {
      expected = undefined;
    }
    if (!key || expected !== docRef.path) {
      throw new CryptoError('malformed', `${docRef.path} does not name the connection it is stored under`);
    }
    return { key, docSlot };
  };

  return {
    forSlot(name: string) {
      return createTokenStore({ db, keyring, logger, now, slot: name });
    },

    async save(key, tokens) {
      await write(undefined, ref(key), seal(key, tokens));
    },

    async load(key) {
      const snap = await ref(key).get();
      const data = snap.data();
      return data === undefined ? undefined : open(key, data);
    },

    async delete(key) {
      await ref(key).delete();
    },

    async update(key, change) {
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(ref(key));
        const data = snap.data();
        const current = data === undefined ? undefined : open(key, data);
        const next = await change(current);
        if (next === undefined) return current;
        write(tx, ref(key), seal(key, next));
        return next;
      });
    },

    async acquireRefreshLease(key, { holder, ttlMs }) {
      // A transaction, so two processes that both find the lease free or expired cannot both take it.
      const taken = await db.runTransaction(async (tx) => {
        const snap = await tx.get(leaseRef(key));
        const expiresAt: unknown = snap.get('expiresAt');
        const at = now();
        if (snap.exists && expiresAt instanceof Timestamp && expiresAt.toMillis() > at) return false;
        if (snap.exists)
          log.warn({ userId: key.userId, platform: key.platform }, 'expired refresh lease taken over');
        // `expiresAt` is a Timestamp so a Firestore TTL policy can also sweep leases left behind.
        tx.set(leaseRef(key), { holder, expiresAt: Timestamp.fromMillis(at + ttlMs) });
        return true;
      });
      return taken;
    },

    async releaseRefreshLease(key, holder) {
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(leaseRef(key));
        if (snap.get('holder') === holder) tx.delete(leaseRef(key));
      });
    },

    async rotateKeys() {
      const current = keyring[0]?.kid;
      if (!current) throw new CryptoError('bad_keyring', 'the keyring is empty');
      // Only ids: each document is then read, re-encrypted and written in its own transaction, so a token saved
      // concurrently (e.g. by a refresh) is never overwritten with an older value.
      const stale = await db.collection(COLLECTIONS.tokens).where('kid', '!=', current).select().get();
      let rewritten = 0;
      for (const { ref: docRef } of stale.docs) {
        const changed = await db.runTransaction(async (tx) => {
          const snap = await tx.get(docRef);
          const data = snap.data();
          if (data === undefined || !isEnvelope(data) || !needsRotation(keyring, data)) return false;
          const { key, docSlot } = keyOf(docRef, data);
          write(tx, docRef, seal(key, open(key, data, docSlot), docSlot));
          return true;
        });
        if (changed) rewritten += 1;
      }
      log.info({ rewritten, kid: current }, 'token keys rotated');
      return rewritten;
    },
  };
}
