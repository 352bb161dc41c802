/**
 * Steering the sandbox: the in-process methods (`TikTokControl`) and the same operations over HTTP under
 * `/_sandbox` (the routes are identical on the three platform sandboxes).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { FaultRule } from '../core/faults';
import type { GroundTruthAccount, GroundTruthItem as Item } from '../core/types';
import type { WebhookDelivery } from '../core/webhooks';
import type { TikTokContext } from './context';
import { REASON_USER_DISCONNECTED } from './facts';
import { sendWebhook, type SendWebhookRequest } from './webhooks';
import type { NewAccountOptions, SandboxAccount } from './world';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const Metrics = z.record(z.string(), z.number().int().nonnegative());
const NewItem = z.object({
  kind: z.literal('videos').optional(),
  text: z.string().optional(),
  title: z.string().optional(),
  metrics: Metrics.optional(),
  createdAt: z.union([z.string().datetime({ offset: true }), z.number()]).optional(),
  /**
   * How the creator posted it. `app` (default): through this app's own posting flow (Video Kit / Content Posting),
   * the only case in which TikTok sends `video.publish.completed`. `tiktok`: an ordinary upload in the TikTok app,
   * which sends no webhook at all: only the next scheduled sync finds it (facts.ts → webhooks).
   */
  via: z.enum(['app', 'tiktok']).optional(),
});
const ItemPatch = z.object({
  text: z.string().optional(),
  title: z.string().optional(),
  metrics: Metrics.optional(),
});
const ProfilePatch = z.object({
  username: z.string().min(1).optional(),
  displayName: z.string().optional(),
  display_name: z.string().optional(),
  bio: z.string().optional(),
  followers: z.number().int().nonnegative().optional(),
  follower_count: z.number().int().nonnegative().optional(),
  following: z.number().int().nonnegative().optional(),
  following_count: z.number().int().nonnegative().optional(),
});
const Limits = z.object({
  perUser: z.number().int().positive().optional(),
  perApp: z.number().int().positive().optional(),
  windowMs: z.number().int().positive().optional(),
});
const FaultBody = z.object({
  endpoint: z.string().min(1),
  status: z.number().int().min(100).max(599).optional(),
  rateLimit: z.boolean().optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  latencyMs: z.number().nonnegative().optional(),
  timeout: z.boolean().optional(),
  reset: z.boolean().optional(),
  probability: z.number().min(0).max(1).optional(),
  times: z.number().int().positive().optional(),
  untilMs: z.number().optional(),
});

export type NewVideoInput = z.infer<typeof NewItem>;
export type VideoPatch = z.infer<typeof ItemPatch>;
export type ProfileChanges = z.infer<typeof ProfilePatch>;
export type LimitChanges = z.infer<typeof Limits>;

export class TikTokControl {
  constructor(
    private readonly ctx: TikTokContext,
    private readonly defaultItems: number,
  ) {}

  private account(accountId: string): SandboxAccount {
    const account = this.ctx.world.get(accountId);
    if (!account) throw new ControlError(404, `no sandbox account ${accountId}`);
    return account;
  }

  createAccount(opts: NewAccountOptions = {}): string {
    const account = this.ctx.world.createAccount(opts, this.defaultItems);
    this.ctx.state.loggedIn ??= account.openId;
    return account.openId;
  }

  /** Who consents at the next authorize. */
  login(accountId: string): void {
    this.account(accountId);
    this.ctx.state.loggedIn = accountId;
  }

  /**
   * A new public video. Posted through the app (`via: 'app'`, the default) it is announced with
   * `video.publish.completed`; an ordinary upload in the TikTok app (`via: 'tiktok'`) is announced by nothing.
   */
  async addVideo(accountId: string, input: NewVideoInput = {}): Promise<Item> {
    const account = this.account(accountId);
    const createdAtMs = typeof input.createdAt === 'string' ? Date.parse(input.createdAt) : input.createdAt;
    const video = this.ctx.world.addVideo(account, {
      text: input.text,
      title: input.title,
      metrics: input.metrics,
      createdAtMs,
    });
    if ((input.via ?? 'app') === 'app') {
      // The documented example content is only `{"share_id":"video.<video id>.<8 characters>"}`.
      await sendWebhook(this.ctx, {
        accountId,
        event: 'video.publish.completed',
        content: { share_id: `video.${video.id}.${shareSuffix(video.id)}` },
      });
    }
    return this.ctx.world.normalizedVideo(account, video);
  }

  updateVideo(accountId: string, videoId: string, patch: VideoPatch): Item {
    const account = this.account(accountId);
    const video = account.videos.find((v) => v.id === videoId && !v.hidden);
    if (!video) throw new ControlError(404, `no video ${videoId} on ${accountId}`);
    if (patch.text !== undefined) video.description = patch.text;
    if (patch.title !== undefined) video.title = patch.title;
    if (patch.metrics) this.ctx.world.setMetrics(video, patch.metrics);
    return this.ctx.world.normalizedVideo(account, video);
  }

  deleteVideo(accountId: string, videoId: string): void {
    const account = this.account(accountId);
    const index = account.videos.findIndex((v) => v.id === videoId);
    if (index < 0) throw new ControlError(404, `no video ${videoId} on ${accountId}`);
    account.videos.splice(index, 1);
  }

  updateProfile(accountId: string, changes: ProfileChanges): GroundTruthAccount['profile'] {
    const account = this.account(accountId);
    if (changes.username !== undefined) account.username = changes.username;
    const displayName = changes.displayName ?? changes.display_name;
    if (displayName !== undefined) account.displayName = displayName;
    if (changes.bio !== undefined) account.bio = changes.bio;
    const followers = changes.followers ?? changes.follower_count;
    if (followers !== undefined) account.profileOverrides.follower_count = followers;
    const following = changes.following ?? changes.following_count;
    if (following !== undefined) account.profileOverrides.following_count = following;
    return this.ctx.world.normalizedProfile(account);
  }

  /** The user removes the app in TikTok: every token dies and `authorization.removed` goes out. */
  async revoke(accountId: string): Promise<{ revokedGrants: number }> {
    this.account(accountId);
    const revokedGrants = this.ctx.auth.revokeAccount(accountId);
    await sendWebhook(this.ctx, {
      accountId,
      event: 'authorization.removed',
      content: { reason: REASON_USER_DISCONNECTED },
    });
    return { revokedGrants };
  }

  expireTokens(accountId: string): { expired: number } {
    this.account(accountId);
    return { expired: this.ctx.auth.expireAccessTokens(accountId) };
  }

  setLimits(changes: LimitChanges): { perUser: number; perApp: number; windowMs: number } {
    const { perUser, perApp } = this.ctx.limits;
    if (changes.perUser !== undefined) perUser.limit = changes.perUser;
    if (changes.perApp !== undefined) perApp.limit = changes.perApp;
    if (changes.windowMs !== undefined) {
      perUser.windowMs = changes.windowMs;
      perApp.windowMs = changes.windowMs;
    }
    return { perUser: perUser.limit, perApp: perApp.limit, windowMs: perUser.windowMs };
  }

  /** TikTok has no subscription handshake: the URL is configured in the developer portal and used as is. */
  subscribeWebhooks(url: string): void {
    this.ctx.outbox.subscribe(url);
  }

  sendWebhook(req: SendWebhookRequest): Promise<WebhookDelivery[]> {
    this.account(req.accountId);
    return sendWebhook(this.ctx, req);
  }

  groundTruth(accountId: string): GroundTruthAccount {
    const account = this.account(accountId);
    const { world } = this.ctx;
    const profile = world.normalizedProfile(account);
    return {
      accountId,
      profile,
      insights: {
        followers: profile.followers!,
        following: profile.following!,
        likes: world.likesCount(account),
        videos: profile.postCount!,
      },
      items: { videos: world.visibleVideos(account).map((v) => world.normalizedVideo(account, v)) },
    };
  }

  /**
   * The TikTok API for Business side of an account (business/state.ts): its app-scoped business id, and the daily
   * insights of `[from, to]` (default: the whole 60-day window) and audience a complete sync stores, normalized.
   */
  businessGroundTruth(accountId: string, range: { from?: string; to?: string } = {}) {
    const account = this.account(accountId);
    const { earliest, latest } = this.ctx.business.availableDays();
    return {
      accountId,
      businessId: this.ctx.business.businessIdOf(accountId),
      ...this.ctx.business.groundTruth(account, { from: range.from ?? earliest, to: range.to ?? latest }),
    };
  }

  /** "Remove access" for the business app in the TikTok app: every business grant of the account dies. */
  revokeBusiness(accountId: string): { revoked: number } {
    this.account(accountId);
    return { revoked: this.ctx.business.revokeAccount(accountId) };
  }

  accounts() {
    return {
      loggedIn: this.ctx.state.loggedIn ?? null,
      accounts: this.ctx.world.list().map((a) => ({
        accountId: a.openId,
        username: a.username,
        displayName: a.displayName,
        videos: this.ctx.world.visibleVideos(a).length,
      })),
    };
  }
}

/** Eight letters derived from the video id, like the `VDCxrcMJ` of TikTok's example share id. */
function shareSuffix(videoId: string): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return [...videoId.slice(-8)].map((d, i) => letters[(Number(d) * 5 + i * 7) % letters.length]).join('');
}

type Handler = (req: Request) => unknown;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ControlError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function createControlRouter(ctx: TikTokContext, control: TikTokControl): express.Router {
  const router = express.Router();
  router.use(express.json());
  const route = (fn: Handler) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.json((await fn(req)) ?? { ok: true });
    } catch (err) {
      next(err);
    }
  };
  const param = (req: Request, name: string) => String(req.params[name]);

  router.get(
    '/requests',
    route((req) => {
      const endpoint =
        typeof req.query.endpoint === 'string' && req.query.endpoint ? req.query.endpoint : undefined;
      const user = typeof req.query.user === 'string' && req.query.user ? req.query.user : undefined;
      return { requests: ctx.log.all({ endpoint, user }), stats: ctx.log.stats() };
    }),
  );
  router.delete(
    '/requests',
    route(() => (ctx.log.clear(), { ok: true })),
  );
  router.get(
    '/clock',
    route(() => ({ now: ctx.clock.now(), iso: new Date(ctx.clock.now()).toISOString() })),
  );
  router.post(
    '/clock/advance',
    route((req) => {
      const { ms } = parse(z.object({ ms: z.number().nonnegative() }), req.body);
      ctx.clock.advance(ms);
      return { now: ctx.clock.now(), iso: new Date(ctx.clock.now()).toISOString() };
    }),
  );
  router.get(
    '/faults',
    route(() => ({ faults: ctx.faults.list() })),
  );
  router.post(
    '/faults',
    route((req) => ({ id: ctx.faults.add(parse(FaultBody, req.body) as FaultRule).id })),
  );
  router.delete(
    '/faults',
    route(() => (ctx.faults.clear(), { ok: true })),
  );
  router.get(
    '/accounts',
    route(() => control.accounts()),
  );
  router.post(
    '/accounts',
    route((req) => {
      const opts = parse(
        z.object({
          seed: z.number().int().optional(),
          items: z.number().int().nonnegative().max(5000).optional(),
          followers: z.number().int().nonnegative().optional(),
        }),
        req.body,
      );
      return { accountId: control.createAccount(opts) };
    }),
  );
  router.post(
    '/login',
    route((req) => {
      control.login(parse(z.object({ accountId: z.string() }), req.body).accountId);
      return { loggedIn: ctx.state.loggedIn };
    }),
  );
  router.post(
    '/accounts/:accountId/items',
    route((req) => control.addVideo(param(req, 'accountId'), parse(NewItem, req.body))),
  );
  router.patch(
    '/accounts/:accountId/items/:itemId',
    route((req) =>
      control.updateVideo(param(req, 'accountId'), param(req, 'itemId'), parse(ItemPatch, req.body)),
    ),
  );
  router.delete(
    '/accounts/:accountId/items/:itemId',
    route((req) => {
      control.deleteVideo(param(req, 'accountId'), param(req, 'itemId'));
      return { deleted: true };
    }),
  );
  router.patch(
    '/accounts/:accountId/profile',
    route((req) => control.updateProfile(param(req, 'accountId'), parse(ProfilePatch, req.body))),
  );
  router.post(
    '/accounts/:accountId/revoke',
    route((req) => control.revoke(param(req, 'accountId'))),
  );
  router.post(
    '/accounts/:accountId/expire-tokens',
    route((req) => control.expireTokens(param(req, 'accountId'))),
  );
  router.put(
    '/limits',
    route((req) => control.setLimits(parse(Limits, req.body))),
  );
  router.post(
    '/webhooks/subscribe',
    route((req) => {
      const { url } = parse(z.object({ url: z.string().url() }), req.body);
      control.subscribeWebhooks(url);
      return { subscribed: url, handshake: 'none' };
    }),
  );
  router.get(
    '/webhooks',
    route(() => ({ subscriptions: ctx.outbox.subscriptions(), deliveries: ctx.outbox.log() })),
  );
  router.post(
    '/webhooks/redeliver',
    route(async () => ({ deliveries: await ctx.outbox.redeliverFailed() })),
  );
  router.post(
    '/webhooks/send',
    route(async (req) => {
      const body = parse(
        z.object({
          accountId: z.string(),
          event: z.string().default('video.publish.completed'),
          content: z.record(z.string(), z.unknown()).optional(),
        }),
        req.body,
      );
      return { deliveries: await control.sendWebhook(body) };
    }),
  );
  router.get(
    '/ground-truth/:accountId',
    route((req) => control.groundTruth(param(req, 'accountId'))),
  );
  router.get(
    '/ground-truth/:accountId/business',
    route((req) => {
      const q = parse(
        z.object({
          from: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/)
            .optional(),
          to: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/)
            .optional(),
        }),
        req.query,
      );
      return control.businessGroundTruth(param(req, 'accountId'), q);
    }),
  );
  router.post(
    '/accounts/:accountId/business/revoke',
    route((req) => control.revokeBusiness(param(req, 'accountId'))),
  );

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const given = (err as { status?: unknown }).status; // body-parser errors carry their own 4xx
    const status =
      err instanceof ControlError
        ? err.status
        : err instanceof RangeError
          ? 400
          : typeof given === 'number'
            ? given
            : 500;
    res.status(status).json({ error: (err as Error).message });
  });
  return router;
}
