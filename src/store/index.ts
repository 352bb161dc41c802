/**
 * The persistence layer over Firestore: `createStore` wires every part from one handle and one keyring.
 * Entry points (workers, HTTP service, CLI) call it once; everything else receives the parts it needs.
 */
import path from 'node:path';
import type { Env } from '../config';
import { silentLogger, type Logger } from '../shared/logger';
import { createAccountIndex } from './account-index';
import { devKeyring, type Keyring } from './crypto';
import type { Firestore } from './firestore';
import { createOAuthStateStore, type OAuthStateStore } from './oauth-states';
import { createFirestoreSink } from './sink';
import { createTokenStore, type FirestoreTokenStore } from './token-store';
import type { AccountIndex, SyncSink } from './types';
import { createWebhookDedupe, type WebhookDedupe } from './webhook-dedupe';

export { closeFirestore, createFirestore, type CreateFirestoreOptions, type Firestore } from './firestore';
export { CryptoError, devKeyring, type Envelope, type Keyring } from './crypto';
export { paths, COLLECTIONS } from './paths';
export { createFirestoreSink } from './sink';
export { createTokenStore, type FirestoreTokenStore } from './token-store';
export { createAccountIndex } from './account-index';
export {
  createOAuthStateStore,
  OAUTH_STATE_TTL_MS,
  type CreateOAuthStateRequest,
  type OAuthStateRecord,
  type OAuthStateStore,
} from './oauth-states';
export { createWebhookDedupe, DEFAULT_DEDUPE_TTL_MS, type WebhookDedupe } from './webhook-dedupe';
export type * from './types';

export interface Store {
  sink: SyncSink;
  tokens: FirestoreTokenStore;
  accounts: AccountIndex;
  oauthStates: OAuthStateStore;
  webhookDedupe: WebhookDedupe;
}

export interface CreateStoreOptions {
  db: Firestore;
  keyring: Keyring;
  logger?: Logger;
}

export function createStore({ db, keyring, logger = silentLogger }: CreateStoreOptions): Store {
  return {
    sink: createFirestoreSink(db),
    tokens: createTokenStore({ db, keyring, logger }),
    accounts: createAccountIndex(db),
    oauthStates: createOAuthStateStore({ db, keyring }),
    webhookDedupe: createWebhookDedupe({ db }),
  };
}

/**
 * The keyring for this process: TOKEN_ENCRYPTION_KEYS when set; otherwise, outside production, a key generated once
 * under `{dataDir}/token-encryption.key`. Production without keys is refused rather than silently keyed per host.
 */
export function resolveKeyring({
  env,
  dataDir,
}: {
  env: Pick<Env, 'TOKEN_ENCRYPTION_KEYS' | 'NODE_ENV'>;
  /** Where the dev key lives; without it, TOKEN_ENCRYPTION_KEYS is required. */
  dataDir?: string;
}): {
  keyring: Keyring;
  source: 'env' | 'dev-file';
} {
  if (env.TOKEN_ENCRYPTION_KEYS) return { keyring: env.TOKEN_ENCRYPTION_KEYS, source: 'env' };
  if (env.NODE_ENV === 'production') {
    throw new Error('TOKEN_ENCRYPTION_KEYS must be set in production (kid:base64key, 32-byte keys)');
  }
  if (dataDir === undefined) {
    throw new Error('TOKEN_ENCRYPTION_KEYS is not set and there is no data directory for a dev key');
  }
  return { keyring: devKeyring(path.resolve(dataDir)), source: 'dev-file' };
}
