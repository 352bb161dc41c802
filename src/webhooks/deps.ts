/**
 * Everything the HTTP service needs, passed in by `startService` (src/cli/service.ts) or by a test.
 * The app creates no clients of its own, so tests wire the real store, the real Temporal-backed sync service and
 * in-process sandboxes behind the real connectors.
 */
import type { Registry } from 'prom-client';
import type { Env } from '../config';
import type { ConnectorRegistry } from '../platforms/registry';
import type { Logger } from '../shared/logger';
import { OAUTH_STATE_TTL_MS, type OAuthStateStore, type WebhookDedupe } from '../store';
import type { AccountIndex, TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import { DEFAULT_ACCOUNT_CACHE_TTL_MS } from './account-cache';
import type { ConnectionRecorder } from './connect-flow';
import { DEFAULT_BATCHING } from './webhook-intake';

/** Verifies an end user's Firebase ID token; rejects when it is invalid, expired, revoked or for a disabled user. */
export interface IdTokenVerifier {
  verifyIdToken(idToken: string): Promise<{ uid: string }>;
}

/** One dependency `/readyz` probes; `check` rejects (or times out) when it is not reachable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Set by the graceful-shutdown helper so `/readyz` answers 503 while in-flight requests drain. */
export interface DrainState {
  draining: boolean;
}

export interface AppDeps {
  config: Pick<Env, 'PUBLIC_BASE_URL' | 'ADMIN_API_KEY' | 'PORT'>;
  connectors: ConnectorRegistry;
  tokenStore: TokenStore;
  accountIndex: AccountIndex;
  oauthStates: OAuthStateStore;
  dedupe: WebhookDedupe;
  syncService: SyncService;
  /** The connection document, for the webhook subscription state (the sink's `updateConnection`). */
  connections?: ConnectionRecorder;
  idTokens: IdTokenVerifier;
  readiness: ReadinessCheck[];
  registry: Registry;
  logger: Logger;
  /** Epoch ms; injectable so webhook timestamp checks can follow a sandbox clock. Default `Date.now`. */
  now?: () => number;
  drain?: DrainState;
  /** Options with safe defaults, overridable by tests and ops. */
  limits?: Partial<AppLimits>;
}

export interface AppLimits {
  /** How long an OAuth state (and its PKCE verifier) stays valid. */
  oauthStateTtlMs: number;
  /** Webhook bodies: Meta batches up to 1,000 entries per POST. */
  webhookBodyBytes: number;
  apiBodyBytes: number;
  /** Longest wait for Temporal to accept webhook events; X wants an answer within 10 s. */
  webhookDeliveryTimeoutMs: number;
  readinessTimeoutMs: number;
  /** How long an account index lookup is reused (0 = always read); see account-cache.ts. */
  accountCacheTtlMs: number;
  /** Concurrent webhooks for one connection coalesce into one signal: wait this long for more before sending. */
  webhookBatchWindowMs: number;
  /** Most events in one coalesced signal. */
  webhookBatchMaxEvents: number;
  /** Coalesced signals of one connection in flight at once. */
  webhookBatchMaxInFlight: number;
}

export const DEFAULT_LIMITS: AppLimits = {
  oauthStateTtlMs: OAUTH_STATE_TTL_MS,
  webhookBodyBytes: 5 * 1024 * 1024,
  apiBodyBytes: 16 * 1024,
  webhookDeliveryTimeoutMs: 8_000,
  readinessTimeoutMs: 2_000,
  accountCacheTtlMs: DEFAULT_ACCOUNT_CACHE_TTL_MS,
  webhookBatchWindowMs: DEFAULT_BATCHING.windowMs,
  webhookBatchMaxEvents: DEFAULT_BATCHING.maxEvents,
  webhookBatchMaxInFlight: DEFAULT_BATCHING.maxInFlight,
};
