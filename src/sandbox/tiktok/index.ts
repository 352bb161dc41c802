/**
 * A faithful local TikTok (Login Kit + Display API v2, and the TikTok API for Business authorization with daily
 * metrics and audience in business/) for tests and `npm start` without credentials. One handler serves every host's
 * paths (`www.tiktok.com/v2/auth/authorize/`, `open.tiktokapis.com/v2/...`, `business-api.tiktok.com/open_api/...`)
 * from one base URL, plus the `/_sandbox` control API. See docs/tiktok.md.
 */
import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../core/faults';
import { SlidingWindowLimiter } from '../core/limiter';
import { RequestLog } from '../core/request-log';
import type { GroundTruthAccount, PlatformSandbox, SandboxOptions } from '../core/types';
import { WebhookOutbox } from '../core/webhooks';
import { Random, secret } from '../core/random';
import { DISPLAY_SCOPES, RATE_LIMIT_PER_MINUTE, RATE_LIMIT_WINDOW_MS } from './facts';
import { AuthStore } from './auth';
import { BusinessState } from './business/state';
import type { TikTokContext } from './context';
import { TikTokControl, createControlRouter } from './control';
import { createPlatformHandler } from './platform';
import { LogIds } from './responses';
import { TikTokWorld } from './world';

export { TikTokControl } from './control';
export type { NewVideoInput, VideoPatch, ProfileChanges, LimitChanges } from './control';
export { TIKTOK_ENDPOINTS } from './platform';

/** TikTok's documented default: 600 requests per minute per endpoint, one-minute sliding window (facts.ts). */
export const TIKTOK_DEFAULT_LIMIT = RATE_LIMIT_PER_MINUTE;
export const TIKTOK_WINDOW_MS = RATE_LIMIT_WINDOW_MS;

export interface TikTokSandboxOptions extends SandboxOptions {
  /** Scopes the sandbox app is approved for (default: every user.info scope and video.list). */
  appScopes?: string[];
}

export interface TikTokSandbox extends PlatformSandbox {
  readonly platform: 'tiktok';
  /** In-process control (the same operations as `/_sandbox` over HTTP). */
  readonly control: TikTokControl;
}

export function createTikTokSandbox(opts: TikTokSandboxOptions): TikTokSandbox {
  const { clock, seed } = opts;
  const random = new Random(seed ^ 0x7177);
  const credentials = { clientId: `aw${random.hex(14)}`, clientSecret: secret.hex(32) };
  const world = new TikTokWorld(clock, seed);
  const ctx: TikTokContext = {
    clock,
    world,
    business: new BusinessState(clock, world, seed),
    auth: new AuthStore(clock),
    faults: new FaultInjector(clock, seed),
    log: new RequestLog(),
    outbox: new WebhookOutbox(),
    logIds: new LogIds(clock, seed),
    credentials,
    limits: {
      perUser: new SlidingWindowLimiter(clock, TIKTOK_DEFAULT_LIMIT, TIKTOK_WINDOW_MS),
      perApp: new SlidingWindowLimiter(clock, TIKTOK_DEFAULT_LIMIT, TIKTOK_WINDOW_MS),
    },
    state: {
      autoApprove: opts.autoApprove ?? false,
      appScopes: new Set(opts.appScopes ?? DISPLAY_SCOPES),
    },
  };
  const itemsPerAccount = opts.itemsPerAccount ?? 250;
  const control = new TikTokControl(ctx, itemsPerAccount);
  for (let i = 0; i < (opts.accounts ?? 3); i++) control.createAccount();

  const app = express();
  app.disable('x-powered-by');
  app.use('/_sandbox', createControlRouter(ctx, control));
  const platform = createPlatformHandler(ctx);
  app.use((req, res) => void platform(req, res));
  const handler = (req: IncomingMessage, res: ServerResponse) => app(req, res);

  return {
    platform: 'tiktok',
    handler,
    log: ctx.log,
    faults: ctx.faults,
    outbox: ctx.outbox,
    clock,
    credentials,
    control,
    env(baseUrl: string): Record<string, string> {
      const base = baseUrl.replace(/\/+$/, '');
      return {
        TIKTOK_CLIENT_KEY: credentials.clientId,
        TIKTOK_CLIENT_SECRET: credentials.clientSecret,
        TIKTOK_AUTHORIZE_URL: `${base}/v2/auth/authorize/`,
        TIKTOK_API_URL: base,
        // The TikTok API for Business app (business/): the same consent page, its own App ID and host.
        TIKTOK_BUSINESS_APP_ID: ctx.business.credentials.appId,
        TIKTOK_BUSINESS_SECRET: ctx.business.credentials.secret,
        TIKTOK_BUSINESS_API_URL: base,
      };
    },
    groundTruth(accountId: string): GroundTruthAccount {
      return control.groundTruth(accountId);
    },
    accountIds(): string[] {
      return ctx.world.ids();
    },
  };
}
