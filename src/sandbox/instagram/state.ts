import type { SandboxClock } from '../core/clock';
import type { FaultInjector } from '../core/faults';
import type { SlidingWindowLimiter } from '../core/limiter';
import type { RequestLog } from '../core/request-log';
import type { WebhookOutbox } from '../core/webhooks';
import type { InstagramAuth } from './auth';
import type { InstagramWorld } from './world';

/** App settings of the sandbox's Instagram app (what a developer toggles in the Meta dashboard). */
export interface InstagramAppSettings {
  /** "Require app secret" (default on): Graph calls without a valid `appsecret_proof` are refused. */
  requireProof: boolean;
  /** Answer the code exchange in the older flat shape with a numeric `user_id`. */
  legacyTokenResponse: boolean;
  /** Valid OAuth redirect URIs; empty = any http(s) URI is accepted. */
  redirectUris: string[];
}

/** Which error a refusal answers with (the platform's own bodies, see meta-errors.ts). */
export type RefusalError =
  'invalid_metric' | 'not_enough_viewers' | 'not_enough_followers' | 'nonexisting_field';

/**
 * The platform refusing one account metric, one demographic breakdown or one edge for an account (or every account),
 * as it does for new or small accounts: the request that names it fails with the real error body.
 */
export interface RefusalRule {
  /** Professional account id; absent = every account. */
  accountId?: string;
  /** An account insights metric (`reach`, `profile_links_taps`…) or a demographic metric. */
  metric?: string;
  /** A demographic breakdown (`age`, `gender`, `country`, `city`). */
  breakdown?: string;
  /** An edge of the IG user (`stories`, `media`). */
  edge?: string;
  /** Default: `invalid_metric` for a metric, `not_enough_followers` for a breakdown, `nonexisting_field` for an edge. */
  error?: RefusalError;
}

/** Everything the sandbox's HTTP handlers share. */
export interface InstagramSandboxState {
  clock: SandboxClock;
  world: InstagramWorld;
  auth: InstagramAuth;
  userLimiter: SlidingWindowLimiter;
  appLimiter: SlidingWindowLimiter;
  log: RequestLog;
  faults: FaultInjector;
  outbox: WebhookOutbox;
  credentials: { clientId: string; clientSecret: string; webhookVerifyToken: string };
  app: InstagramAppSettings;
  autoApprove: boolean;
  /** The account that consents on the next authorize request. */
  loggedIn: string;
  /**
   * `POST /{ig-user-id}/subscribed_apps`: professional account id → subscribed fields. Webhooks are delivered only
   * for accounts with at least one field here.
   */
  subscriptions: Map<string, Set<string>>;
  refusals: RefusalRule[];
}

/** Key of the per-app window in `appLimiter`. */
export const APP_KEY = 'app';
