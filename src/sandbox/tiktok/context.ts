/** What the sandbox's route handlers share: the world, Login Kit state, limits, faults, log and webhooks. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxClock } from '../core/clock';
import type { FaultInjector } from '../core/faults';
import type { SlidingWindowLimiter } from '../core/limiter';
import type { RequestLog } from '../core/request-log';
import type { WebhookOutbox } from '../core/webhooks';
import type { AuthStore } from './auth';
import type { BusinessState } from './business/state';
import type { LogIds } from './responses';
import type { TikTokWorld } from './world';

export interface TikTokSandboxState {
  /** The account that is "logged in" at www.tiktok.com and therefore consents next. */
  loggedIn?: string;
  autoApprove: boolean;
  /** Scopes the app is approved for in the developer portal; others get `scope_permission_missed`. */
  appScopes: Set<string>;
}

export interface TikTokContext {
  clock: SandboxClock;
  world: TikTokWorld;
  auth: AuthStore;
  faults: FaultInjector;
  log: RequestLog;
  outbox: WebhookOutbox;
  logIds: LogIds;
  credentials: { clientId: string; clientSecret: string };
  /** The TikTok API for Business app, its grants and data (business/). */
  business: BusinessState;
  /** 600 requests per minute per endpoint, counted per user and per app (sliding windows). */
  limits: { perUser: SlidingWindowLimiter; perApp: SlidingWindowLimiter };
  state: TikTokSandboxState;
}

/** One platform request being served. Handlers fill in `user` and `whileRateLimited` for the request log. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  rawBody: Buffer;
  endpoint: string;
  logId: string;
  user?: string;
  whileRateLimited: boolean;
}

/** Form or JSON body → flat string map (TikTok's OAuth endpoints take forms). */
export function formBody(call: Call): URLSearchParams {
  return new URLSearchParams(call.rawBody.toString('utf8'));
}
