/**
 * Instagram sandbox (Instagram API with Instagram Login): `createInstagramSandbox(opts)` returns a `PlatformSandbox`
 * whose handler serves the platform's real paths from one base URL, plus in-process control methods that the
 * `/_sandbox` HTTP control API also exposes. See docs/instagram.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector } from '../core/faults';
import { SlidingWindowLimiter } from '../core/limiter';
import { Random, secret } from '../core/random';
import { RequestLog } from '../core/request-log';
import type { GroundTruthAccount, PlatformSandbox, SandboxOptions } from '../core/types';
import type { InstagramSandbox } from './api';
import { WebhookOutbox } from '../core/webhooks';
import { InstagramAuth } from './auth';
import { createControlApp } from './control';
import { groundTruth, normalizedItem } from './ground-truth';
import { createPlatformHandler } from './platform';
import type { InstagramSandboxState } from './state';
import { commentChange, emitChanges, verifySubscriber } from './webhooks-out';
import { HOUR_MS, InstagramWorld, type AccountRecord } from './world';

export { MetaError } from './meta-errors';
export type { InstagramAppSettings, RefusalRule, RefusalError } from './state';
export type { InstagramSandbox, NewItemRequest, ProfilePatch, SendWebhookRequest } from './api';

/** Calls per user per hour (the seed's budget) and per app. */
export const DEFAULT_LIMITS = { perUser: 200, perApp: 4800, windowMs: HOUR_MS };

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseCreatedAt(value: string | number | undefined, now: number): number {
  if (value === undefined) return now;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ControlError(400, `createdAt is not a valid instant: ${String(value)}`);
  return ms;
}

export function createInstagramSandbox(opts: SandboxOptions): InstagramSandbox {
  const { clock } = opts;
  const rnd = new Random(opts.seed ^ 0x1a57a);
  const credentials = {
    clientId: rnd.digits(16),
    clientSecret: secret.hex(32),
    webhookVerifyToken: `verify-${secret.hex(16)}`,
  };
  const world = new InstagramWorld(clock, {
    seed: opts.seed,
    accounts: opts.accounts ?? 3,
    itemsPerAccount: opts.itemsPerAccount ?? 240,
  });
  const state: InstagramSandboxState = {
    clock,
    world,
    auth: new InstagramAuth(clock, credentials.clientId),
    userLimiter: new SlidingWindowLimiter(clock, DEFAULT_LIMITS.perUser, DEFAULT_LIMITS.windowMs),
    appLimiter: new SlidingWindowLimiter(clock, DEFAULT_LIMITS.perApp, DEFAULT_LIMITS.windowMs),
    log: new RequestLog(),
    faults: new FaultInjector(clock, opts.seed),
    outbox: new WebhookOutbox(),
    credentials,
    app: { requireProof: true, legacyTokenResponse: false, redirectUris: [] },
    autoApprove: opts.autoApprove ?? false,
    loggedIn: [...world.accounts.keys()][0] ?? world.createAccount().id,
    subscriptions: new Map(),
    refusals: [],
  };
  let refusalIds = 0;

  const account = (id: string): AccountRecord => {
    const found = world.account(id);
    if (!found) throw new ControlError(404, `unknown Instagram account ${id}`);
    return found;
  };
  const media = (acc: AccountRecord, itemId: string) => {
    world.stories(acc); // materializes current stories so they can be found by id
    const found = acc.posts.find((m) => m.id === itemId && !m.deleted) ?? acc.stories.get(itemId);
    if (!found || found.deleted) throw new ControlError(404, `unknown item ${itemId} of account ${acc.id}`);
    return found;
  };

  const sandbox: InstagramSandbox = {
    platform: 'instagram',
    handler: () => undefined,
    log: state.log,
    faults: state.faults,
    outbox: state.outbox,
    clock,
    credentials,
    env: (baseUrl: string) => {
      const base = baseUrl.replace(/\/+$/, '');
      return {
        INSTAGRAM_CLIENT_ID: credentials.clientId,
        INSTAGRAM_CLIENT_SECRET: credentials.clientSecret,
        INSTAGRAM_WEBHOOK_VERIFY_TOKEN: credentials.webhookVerifyToken,
        INSTAGRAM_AUTHORIZE_URL: `${base}/oauth/authorize`,
        INSTAGRAM_TOKEN_URL: `${base}/oauth/access_token`,
        INSTAGRAM_GRAPH_URL: base,
      };
    },
    groundTruth: (accountId: string): GroundTruthAccount =>
      groundTruth(world, account(accountId), clock.now()),
    accountIds: () => [...world.accounts.keys()],
    login(accountId) {
      state.loggedIn = account(accountId).id;
    },
    createAccount(req = {}) {
      return world.createAccount(req).id;
    },
    addItem(accountId, req) {
      const acc = account(accountId);
      const kind = req.kind ?? 'posts';
      if (kind !== 'posts' && kind !== 'stories')
        throw new ControlError(400, `kind must be posts or stories, got ${String(kind)}`);
      const created = world.addMedia(acc, {
        kind,
        caption: req.text,
        createdAt: parseCreatedAt(req.createdAt, clock.now()),
        overrides: req.metrics,
      });
      // Instagram sends no webhook for new media or stories (story_insights needs Facebook Login).
      return normalizedItem(world, acc, created);
    },
    async patchItem(accountId, itemId, req) {
      const acc = account(accountId);
      const item = media(acc, itemId);
      const before = world.metricsOf(item).comments_count;
      if (req.text !== undefined) item.caption = req.text;
      if (req.metrics) item.overrides = { ...item.overrides, ...req.metrics };
      const added = item.kind === 'posts' ? world.metricsOf(item).comments_count - before : 0;
      if (added > 0) {
        const changes = Array.from({ length: Math.min(added, 20) }, () =>
          commentChange({ mediaId: item.id, productType: item.productType }),
        );
        await emitChanges(state, acc.id, changes);
      }
      return normalizedItem(world, acc, item);
    },
    deleteItem(accountId, itemId) {
      media(account(accountId), itemId).deleted = true;
    },
    patchProfile(accountId, patch) {
      const acc = account(accountId);
      if (patch.username !== undefined) acc.username = patch.username;
      if (patch.displayName !== undefined) acc.name = patch.displayName ?? undefined;
      if (patch.followers !== undefined) acc.followers = patch.followers;
      if (patch.following !== undefined) acc.follows = patch.following;
      if (patch.website !== undefined) acc.website = patch.website ?? undefined;
      return groundTruth(world, acc, clock.now()).profile;
    },
    revoke(accountId) {
      // Instagram's deauthorize callback (a signed_request form POST to a separate URL) is not simulated.
      const acc = account(accountId);
      state.auth.revokeConsent(acc.id);
      // An app the user removed gets no more webhooks for the account.
      state.subscriptions.delete(acc.id);
    },
    expireTokens(accountId) {
      return state.auth.expireTokens(account(accountId).id);
    },
    setLimits(limits) {
      if (limits.perUser !== undefined) state.userLimiter.limit = limits.perUser;
      if (limits.perApp !== undefined) state.appLimiter.limit = limits.perApp;
      if (limits.windowMs !== undefined) {
        state.userLimiter.windowMs = limits.windowMs;
        state.appLimiter.windowMs = limits.windowMs;
      }
    },
    setApp(settings) {
      Object.assign(state.app, settings);
      return { ...state.app };
    },
    async subscribeWebhook(url) {
      const result = await verifySubscriber(url, credentials.webhookVerifyToken);
      if (!result.ok) throw new ControlError(400, result.reason ?? 'verification failed');
      state.outbox.subscribe(url);
    },
    async sendWebhook(req) {
      const acc = account(req.accountId);
      const field = req.field ?? 'comments';
      if (field === 'comments') {
        const target = req.mediaId ? media(acc, req.mediaId) : world.posts(acc)[0];
        if (!target) throw new ControlError(400, 'the account has no media to comment on');
        return emitChanges(state, acc.id, [
          commentChange({ mediaId: target.id, productType: target.productType, text: req.text }),
        ]);
      }
      if (field === 'mentions') {
        const mediaId = req.mediaId ?? `18${Date.now()}`;
        return emitChanges(state, acc.id, [
          { field, value: { media_id: mediaId, comment_id: `17${Date.now()}` } },
        ]);
      }
      return emitChanges(state, acc.id, [{ field, value: { id: `${Date.now()}`, text: req.text ?? '' } }]);
    },
    appScopedId(accountId) {
      return account(accountId).appScopedId;
    },
    subscribedFields(accountId) {
      return [...(state.subscriptions.get(account(accountId).id) ?? [])].sort();
    },
    refuse(rule) {
      if (!rule.metric && !rule.breakdown && !rule.edge)
        throw new ControlError(400, 'a refusal names a metric, a breakdown or an edge');
      if (rule.accountId !== undefined) account(rule.accountId);
      state.refusals.push({ ...rule });
      return ++refusalIds;
    },
    clearRefusals() {
      state.refusals.length = 0;
    },
    describe() {
      return {
        loggedIn: state.loggedIn,
        refusals: state.refusals,
        app: state.app,
        limits: {
          perUser: state.userLimiter.limit,
          perApp: state.appLimiter.limit,
          windowMs: state.userLimiter.windowMs,
        },
      };
    },
  };

  const platform = createPlatformHandler(state);
  const control = createControlApp(sandbox);
  (sandbox as { handler: PlatformSandbox['handler'] }).handler = (
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    if ((req.url ?? '').startsWith('/_sandbox')) control(req, res);
    else platform(req, res);
  };
  return sandbox;
}
