/**
 * Everything the X sandbox knows and every change the control API can make to it. The HTTP layers (app.ts for
 * X's own paths, control.ts for `/_sandbox`) are thin wrappers around this class.
 */
import type { SandboxClock } from '../core/clock';
import { FaultInjector } from '../core/faults';
import { SlidingWindowLimiter } from '../core/limiter';
import { Random, secret } from '../core/random';
import { RequestLog } from '../core/request-log';
import type { GroundTruthAccount } from '../core/types';
import { WebhookOutbox, type WebhookDelivery } from '../core/webhooks';
import { followEvent, postCreateEvent, postDeleteEvent, revokeEvent } from './activity';
import { DeliveryRefusal, DeliveryState, type SandboxWebhook } from './delivery';
import { GrantStore } from './grants';
import { UsageCap } from './usage-cap';
import { groundTruthItem, type GroundTruthTweet } from './render';
import {
  generateAccount,
  generateTweet,
  insertTweet,
  type MetricKey,
  type SandboxAccount,
  type SandboxTweet,
  type TweetType,
} from './world';

export const WINDOW_MS = 15 * 60_000;
/** Only the newest 3,200 posts of a timeline are reachable through `GET /2/users/:id/tweets`. */
export const TIMELINE_CAP = 3200;

/** Data endpoints with their documented per-user and per-app limits per 15 minutes. */
export const DATA_ENDPOINTS = {
  'GET /2/users/me': { perUser: 75, perApp: undefined },
  'GET /2/users/:id/tweets': { perUser: 900, perApp: 10_000 },
  'GET /2/tweets': { perUser: 5000, perApp: 3500 },
} as const;
export type DataEndpoint = keyof typeof DATA_ENDPOINTS;

export interface EndpointLimiters {
  perUser: SlidingWindowLimiter;
  perApp?: SlidingWindowLimiter;
}

/** Metrics the control API can pin, by their normalized (Firestore) names plus two non-public ones. */
export type MetricPatch = Partial<Record<MetricKey, number>>;

export interface NewItemInput {
  /** `tweets` (default), or the post type: `tweet`, `reply`, `retweet`. */
  kind?: string;
  text?: string;
  metrics?: MetricPatch;
  /** ISO instant or epoch ms; default: now on the sandbox clock. */
  createdAt?: string | number;
}

export interface ProfilePatch {
  username?: string;
  name?: string;
  description?: string;
  followers?: number;
  following?: number;
  listed?: number;
}

/**
 * An event the control API makes X emit for an account, by its X Activity API name (the former Account Activity
 * names `tweet_create`, `tweet_delete`, `follow`, `unfollow` and `revoke` are accepted as aliases). It reaches only
 * subscriptions matching it.
 */
export type WebhookSendRequest =
  | { accountId: string; type: 'post.create' | 'tweet_create'; itemId?: string }
  | { accountId: string; type: 'post.delete' | 'tweet_delete'; itemId: string }
  | {
      accountId: string;
      type: 'follow.follow' | 'follow.unfollow' | 'follow' | 'unfollow';
      sourceId?: string;
    }
  | { accountId: string; type: 'oauth.revoke' | 'revoke' };

/** The app's credentials, as a developer copies them from the X Developer Console. */
export interface TwitterCredentials {
  /** OAuth 2.0 Client ID and Client Secret: the user-consent flow (`/2/oauth2/token`). */
  clientId: string;
  clientSecret: string;
  /** API Key and API Key Secret ("consumer key/secret"): app-only bearer, CRC answers, delivery signatures. */
  consumerKey: string;
  consumerSecret: string;
}

export class TwitterWorld {
  readonly accounts = new Map<string, SandboxAccount>();
  readonly grants: GrantStore;
  readonly log = new RequestLog();
  readonly faults: FaultInjector;
  readonly outbox = new WebhookOutbox();
  readonly limiters: Record<DataEndpoint, EndpointLimiters>;
  readonly credentials: TwitterCredentials;
  readonly delivery: DeliveryState;
  /** The pay-per-use monthly cap of post reads (off unless the control API sets one). */
  readonly usageCap: UsageCap;
  /** X's numeric app id, named in revoke events. */
  readonly appId: string;
  loggedIn: string | undefined;
  private readonly random: Random;
  private readonly anchor: number;
  private nextSeed: number;

  constructor(
    readonly clock: SandboxClock,
    opts: { seed: number; accounts: number; itemsPerAccount: number },
  ) {
    this.random = new Random(opts.seed);
    this.faults = new FaultInjector(clock, opts.seed);
    this.grants = new GrantStore(clock);
    this.usageCap = new UsageCap(clock);
    // Generated posts sit before the start of the current UTC day, so one seed builds the same world all day.
    this.anchor = Math.floor(clock.now() / 86_400_000) * 86_400_000;
    this.credentials = {
      clientId: Buffer.from(`sandbox-${this.random.hex(12)}:1:ci`).toString('base64url'),
      clientSecret: Buffer.from(secret.hex(48)).toString('base64url'),
      // A different secret on purpose: a connector that signs with the client secret fails against the sandbox.
      consumerKey: this.random.hex(12).replace(/[a-f]/g, (c) => c.toUpperCase()) + this.random.hex(6),
      consumerSecret: Buffer.from(secret.hex(40)).toString('base64url'),
    };
    this.delivery = new DeliveryState(clock, this.outbox, () => this.credentials.consumerSecret, opts.seed);
    this.appId = this.random.digits(8);
    this.nextSeed = opts.seed * 1000 + 1;
    this.limiters = {} as Record<DataEndpoint, EndpointLimiters>;
    for (const [endpoint, limit] of Object.entries(DATA_ENDPOINTS) as [
      DataEndpoint,
      (typeof DATA_ENDPOINTS)[DataEndpoint],
    ][]) {
      this.limiters[endpoint] = {
        perUser: new SlidingWindowLimiter(clock, limit.perUser, WINDOW_MS),
        perApp:
          limit.perApp === undefined ? undefined : new SlidingWindowLimiter(clock, limit.perApp, WINDOW_MS),
      };
    }
    for (let i = 0; i < opts.accounts; i += 1) this.addAccount({ items: opts.itemsPerAccount });
    this.loggedIn = this.accountIds()[0];
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  account(accountId: string): SandboxAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new NotFound(`no account ${accountId}`);
    return account;
  }

  addAccount(opts: { seed?: number; items?: number; followers?: number } = {}): string {
    const seed = opts.seed ?? this.nextSeed++;
    const account = generateAccount({
      seed,
      items: opts.items ?? 300,
      followers: opts.followers,
      anchor: this.anchor,
    });
    this.accounts.set(account.id, account);
    return account.id;
  }

  login(accountId: string): void {
    this.account(accountId);
    this.loggedIn = accountId;
  }

  /** Only the newest 3,200 posts; this is what `GET /2/users/:id/tweets` can page through. */
  reachableTweets(account: SandboxAccount): SandboxTweet[] {
    return account.tweets.slice(0, TIMELINE_CAP);
  }

  findTweet(tweetId: string): { account: SandboxAccount; tweet: SandboxTweet } | undefined {
    for (const account of this.accounts.values()) {
      const tweet = account.tweets.find((t) => t.id === tweetId);
      if (tweet) return { account, tweet };
    }
    return undefined;
  }

  private ownTweet(accountId: string, itemId: string): SandboxTweet {
    const tweet = this.account(accountId).tweets.find((t) => t.id === itemId);
    if (!tweet) throw new NotFound(`no item ${itemId} on account ${accountId}`);
    return tweet;
  }

  async createItem(accountId: string, input: NewItemInput): Promise<GroundTruthTweet> {
    const account = this.account(accountId);
    const type: TweetType = input.kind === 'reply' || input.kind === 'retweet' ? input.kind : 'tweet';
    const createdAt = input.createdAt === undefined ? this.clock.now() : new Date(input.createdAt).getTime();
    if (!Number.isFinite(createdAt)) throw new BadInput('createdAt must be an ISO instant or epoch ms');
    const tweet = generateTweet({ random: this.random, author: account, createdAt, type, text: input.text });
    tweet.pinned = { ...input.metrics };
    insertTweet(account, tweet);
    // X emits post.create for every post of a user with a post.create subscription (reposts included).
    await this.delivery.emit(postCreateEvent(account, tweet));
    return groundTruthItem(tweet, this.clock.now());
  }

  async updateItem(
    accountId: string,
    itemId: string,
    patch: { text?: string; metrics?: MetricPatch },
  ): Promise<GroundTruthTweet> {
    const tweet = this.ownTweet(accountId, itemId);
    if (patch.text !== undefined) tweet.text = patch.text;
    if (patch.metrics) tweet.pinned = { ...tweet.pinned, ...patch.metrics };
    // Metric changes emit nothing: like.create and the reply/quote/repost events are private events socialsync
    // does not subscribe to (each delivered post event is billed); syncs read the new numbers.
    return groundTruthItem(tweet, this.clock.now());
  }

  async deleteItem(accountId: string, itemId: string): Promise<void> {
    const account = this.account(accountId);
    this.ownTweet(accountId, itemId);
    account.tweets = account.tweets.filter((t) => t.id !== itemId);
    await this.delivery.emit(postDeleteEvent(account, itemId));
  }

  updateProfile(accountId: string, patch: ProfilePatch): GroundTruthAccount['profile'] {
    const account = this.account(accountId);
    if (patch.username !== undefined) account.username = patch.username;
    if (patch.name !== undefined) account.name = patch.name;
    if (patch.description !== undefined) account.description = patch.description;
    if (patch.followers !== undefined) account.followers = patch.followers;
    if (patch.following !== undefined) account.following = patch.following;
    if (patch.listed !== undefined) account.listed = patch.listed;
    return this.groundTruth(accountId).profile;
  }

  /** The user removed the app in their settings: tokens die and X sends `oauth.revoke` to its subscription. */
  async revokeAccount(accountId: string): Promise<{ revokedGrants: number }> {
    this.account(accountId);
    const revokedGrants = this.grants.revokeAccount(accountId);
    await this.delivery.emit(revokeEvent({ accountId, appId: this.appId, now: this.clock.now() }));
    return { revokedGrants };
  }

  expireTokens(accountId: string): { expired: number } {
    this.account(accountId);
    return { expired: this.grants.expireAccessTokens(accountId) };
  }

  setLimits(opts: { perUser?: number; perApp?: number; windowMs?: number }): void {
    for (const limiters of Object.values(this.limiters)) {
      if (opts.perUser !== undefined) limiters.perUser.limit = opts.perUser;
      if (opts.perApp !== undefined) {
        limiters.perApp ??= new SlidingWindowLimiter(this.clock, opts.perApp, limiters.perUser.windowMs);
        limiters.perApp.limit = opts.perApp;
      }
      if (opts.windowMs !== undefined) {
        limiters.perUser.windowMs = opts.windowMs;
        if (limiters.perApp) limiters.perApp.windowMs = opts.windowMs;
      }
    }
  }

  /**
   * Registers a webhook URL of the app as `POST /2/webhooks` does (after X's CRC check against it passes); an
   * already registered URL is re-validated instead. Users still receive nothing until subscribed.
   */
  async subscribeWebhook(url: string): Promise<{ ok: boolean; reason?: string; webhook?: SandboxWebhook }> {
    try {
      const existing = [...this.delivery.webhooks.values()].find((w) => w.url === url);
      if (existing) {
        await this.delivery.validateWebhook(existing.id);
        return { ok: true, webhook: existing };
      }
      return { ok: true, webhook: await this.delivery.createWebhook(url) };
    } catch (err) {
      if (err instanceof DeliveryRefusal) return { ok: false, reason: `${err.reason}: ${err.message}` };
      throw err;
    }
  }

  async sendWebhook(req: WebhookSendRequest): Promise<WebhookDelivery[]> {
    const account = this.account(req.accountId);
    const now = this.clock.now();
    const pick = (itemId?: string) => (itemId ? this.ownTweet(account.id, itemId) : account.tweets[0]);
    switch (req.type) {
      case 'post.create':
      case 'tweet_create': {
        const tweet = pick(req.itemId);
        if (!tweet) throw new BadInput('account has no posts');
        return this.delivery.emit(postCreateEvent(account, tweet));
      }
      case 'post.delete':
      case 'tweet_delete':
        if (typeof req.itemId !== 'string' || req.itemId === '') throw new BadInput('itemId is required');
        return this.delivery.emit(postDeleteEvent(account, req.itemId));
      case 'follow.follow':
      case 'follow.unfollow':
      case 'follow':
      case 'unfollow': {
        const type =
          req.type === 'follow' || req.type === 'follow.follow' ? 'follow.follow' : 'follow.unfollow';
        return this.delivery.emit(followEvent(account, req.sourceId ?? this.random.digits(12), type));
      }
      case 'oauth.revoke':
      case 'revoke':
        return this.delivery.emit(revokeEvent({ accountId: account.id, appId: this.appId, now }));
      default:
        throw new BadInput(`unknown webhook type ${(req as { type: string }).type}`);
    }
  }

  /** What socialsync should hold for this account: profile and every reachable original post and reply. */
  groundTruth(accountId: string): GroundTruthAccount {
    const account = this.account(accountId);
    const now = this.clock.now();
    return {
      accountId,
      profile: {
        username: account.username,
        displayName: account.name === '' ? null : account.name,
        followers: account.followers,
        following: account.following,
        postCount: account.tweets.length,
      },
      // The connector asks for `exclude=retweets`: a retweet's numbers belong to someone else's post.
      items: {
        tweets: this.reachableTweets(account)
          .filter((t) => t.type !== 'retweet')
          .map((t) => groundTruthItem(t, now)),
      },
    };
  }
}

export class NotFound extends Error {}
export class BadInput extends Error {}
