/**
 * TEMPORARY: Firestore-backed (emulator) TokenStore, AccountIndex, OAuthStateStore and WebhookDedupe for the HTTP
 * tests until src/store/ ships its own (token-store, account-index, oauth-states, webhook-dedupe). They use the
 * store's paths and AES-256-GCM envelope, so the documents look as the real store's will. Delete this file and
 * switch `stores.ts` over when the real ones land.
 */
import { randomBytes } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { PlatformId, TokenSet } from '../../../src/platforms/types';
import { decrypt, encrypt, type Envelope, type Keyring } from '../../../src/store/crypto';
import { paths, sha256Hex } from '../../../src/store/paths';
import type { AccountIndex, ConnectionKey, TokenStore } from '../../../src/store/types';
import type { OAuthStateStore, PendingAuthorization, WebhookDedupe } from '../../../src/webhooks';

export function interimTokenStore(db: Firestore, keyring: Keyring): TokenStore {
  const aad = (key: ConnectionKey) => `${key.platform}:${key.userId}`;
  return {
    async save(key, tokens) {
      await db.doc(paths.tokenDoc(key)).set({ envelope: encrypt({ keyring, plaintext: JSON.stringify(tokens), aad: aad(key) }) });
    },
    async load(key) {
      const snap = await db.doc(paths.tokenDoc(key)).get();
      if (!snap.exists) return undefined;
      return JSON.parse(decrypt({ keyring, envelope: snap.get('envelope') as Envelope, aad: aad(key) })) as TokenSet;
    },
    async delete(key) {
      await db.doc(paths.tokenDoc(key)).delete();
    },
    async rotateKeys() {
      return 0;
    },
  };
}

export function interimAccountIndex(db: Firestore): AccountIndex {
  const member = (key: ConnectionKey) => `${key.platform}:${key.userId}`;
  return {
    async put(platform: PlatformId, accountId: string, key: ConnectionKey) {
      await db.doc(paths.accountIndexDoc(platform, accountId)).set({ members: FieldValue.arrayUnion(member(key)) }, { merge: true });
    },
    async find(platform: PlatformId, accountId: string) {
      const snap = await db.doc(paths.accountIndexDoc(platform, accountId)).get();
      const members = (snap.get('members') as string[] | undefined) ?? [];
      return members.map((m) => ({ platform, userId: m.slice(m.indexOf(':') + 1) }));
    },
    async remove(platform: PlatformId, accountId: string, key: ConnectionKey) {
      await db.doc(paths.accountIndexDoc(platform, accountId)).set({ members: FieldValue.arrayRemove(member(key)) }, { merge: true });
    },
  };
}

export function interimOAuthStates(db: Firestore, now: () => number = Date.now): OAuthStateStore {
  return {
    async create(pending, { ttlMs }) {
      const state = randomBytes(32).toString('base64url');
      await db.doc(paths.oauthStateDoc(sha256Hex(state))).create({ ...pending, expiresAt: Timestamp.fromMillis(now() + ttlMs) });
      return state;
    },
    async consume(state) {
      const ref = db.doc(paths.oauthStateDoc(sha256Hex(state)));
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists) return undefined;
        tx.delete(ref);
        const { expiresAt, ...pending } = snap.data() as PendingAuthorization & { expiresAt: Timestamp };
        return expiresAt.toMillis() > now() ? pending : undefined;
      });
    },
  };
}

export function interimDedupe(db: Firestore): WebhookDedupe {
  const ref = (key: ConnectionKey, id: string) => db.doc(paths.webhookEventDoc(key.platform, `${key.userId}|${id}`));
  return {
    async seen(key, ids) {
      if (ids.length === 0) return new Set();
      const snaps = await db.getAll(...ids.map((id) => ref(key, id)));
      return new Set(ids.filter((_, i) => snaps[i]!.exists));
    },
    async remember(key, ids) {
      const batch = db.batch();
      for (const id of ids) batch.set(ref(key, id), { at: FieldValue.serverTimestamp() });
      await batch.commit();
    },
  };
}
