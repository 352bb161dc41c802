/**
 * What the HTTP service needs from the OAuth state store and the webhook dedupe store (implemented over Firestore
 * in src/store/). Kept as small interfaces so the routes do not depend on how the store keeps them.
 */
import type { PlatformId } from '../platforms/types';
import type { ConnectionKey } from '../domain';

/** An authorization that was started and not yet completed: everything the callback needs, kept server-side. */
export interface PendingAuthorization {
  userId: string;
  platform: PlatformId;
  redirectUri: string;
  /** PKCE verifier; absent for platforms without PKCE. A secret: never logged, never sent to the browser. */
  codeVerifier?: string;
  /**
   * SHA-256 (hex) of the nonce in the cookie of the browser that started the connect; the callback must present it
   * (account-linking CSRF, finding 3 of issue 14). Absent only for an explicit admin hand-off without binding.
   */
  browserBinding?: string;
}

export interface OAuthStateStore {
  /** Keeps `pending` under a fresh unguessable state value for `ttlMs`; returns the state. */
  create(pending: PendingAuthorization, opts: { ttlMs: number }): Promise<string>;
  /**
   * Deletes and returns the pending authorization in one step; undefined when unknown, used or expired.
   * With `platform`, a state issued for another platform is refused WITHOUT being spent (undefined), so a misrouted
   * or forged callback cannot cancel the user's real, still-pending connect.
   */
  consume(state: string, platform?: PlatformId): Promise<PendingAuthorization | undefined>;
}

export interface WebhookDedupe {
  /** The subset of `eventIds` already handed to the sync engine for this connection. */
  seen(key: ConnectionKey, eventIds: string[]): Promise<Set<string>>;
  /** Records that these events were handed over (called only after Temporal accepted them). */
  remember(key: ConnectionKey, eventIds: string[]): Promise<void>;
}
