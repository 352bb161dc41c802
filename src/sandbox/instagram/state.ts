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
}

/** Key of the per-app window in `appLimiter`. */
export const APP_KEY = 'app';
