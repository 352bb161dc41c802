/**
 * Everything the X sandbox knows and every change the control API can make to it. The HTTP layers (app.ts for
 * X's own paths, control.ts for `/_sandbox`) are thin wrappers around this class.
 */
import type { Item, Profile } from '../../platforms/types';
import type { SandboxClock } from '../core/clock';
import { FaultInjector } from '../core/faults';
import { SlidingWindowLimiter } from '../core/limiter';
import { Random } from '../core/random';
import { RequestLog } from '../core/request-log';
import type { GroundTruthAccount } from '../core/types';
import { WebhookOutbox, type WebhookDelivery } from '../core/webhooks';
import {
  favoriteBody,
  followBody,
  revokeBody,
  runCrc,
  signedHeaders,
  tweetCreateBody,
  tweetDeleteBody,
} from './activity';
import { GrantStore } from './grants';
import { groundTruthItem } from './render';
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

export type WebhookSendRequest =
  | { accountId: string; type: 'tweet_create'; itemId?: string }
  | { accountId: string; type: 'favorite'; itemId?: string; likerId?: string }
  | { accountId: string; type: 'follow' | 'unfollow'; sourceId?: string }
  | { accountId: string; type: 'tweet_delete'; itemId: string }
  | { accountId: string; type: 'revoke' };

export class TwitterWorld {
  readonly accounts = new Map<string, SandboxAccount>();
  readonly grants: GrantStore;
  readonly log = new RequestLog();
  readonly faults: FaultInjector;
  readonly outbox = new WebhookOutbox();
  readonly limiters: Record<DataEndpoint, EndpointLimiters>;
  readonly credentials: { clientId: string; clientSecret: string };
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
    // Generated posts sit before the start of the current UTC day, so one seed builds the same world all day.
    this.anchor = Math.floor(clock.now() / 86_400_000) * 86_400_000;
    this.credentials = {
      clientId: Buffer.from(`sandbox-${this.random.hex(12)}:1:ci`).toString('base64url'),
      clientSecret: Buffer.from(this.random.hex(48)).toString('base64url'),
    };
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

  async createItem(accountId: string, input: NewItemInput): Promise<Item> {
    const account = this.account(accountId);
    const type: TweetType = input.kind === 'reply' || input.kind === 'retweet' ? input.kind : 'tweet';
    const createdAt = input.createdAt === undefined ? this.clock.now() : new Date(input.createdAt).getTime();
    if (!Number.isFinite(createdAt)) throw new BadInput('createdAt must be an ISO instant or epoch ms');
    const tweet = generateTweet({ random: this.random, author: account, createdAt, type, text: input.text });
    tweet.pinned = { ...input.metrics };
    insertTweet(account, tweet);
    // X emits tweet_create_events for every post of a subscribed user.
    await this.emit(tweetCreateBody(account, tweet));
    return groundTruthItem(tweet, this.clock.now());
  }

  async updateItem(
    accountId: string,
    itemId: string,
    patch: { text?: string; metrics?: MetricPatch },
  ): Promise<Item> {
    const account = this.account(accountId);
    const tweet = this.ownTweet(accountId, itemId);
    const likesBefore = groundTruthItem(tweet, this.clock.now()).metrics.likes ?? 0;
    if (patch.text !== undefined) tweet.text = patch.text;
    if (patch.metrics) tweet.pinned = { ...tweet.pinned, ...patch.metrics };
    const item = groundTruthItem(tweet, this.clock.now());
    if ((item.metrics.likes ?? 0) > likesBefore) {
      // A new like is what X reports as a favorite event on the author's subscription.
      await this.emit(
        favoriteBody({ account, tweet, likerId: this.random.digits(12), now: this.clock.now() }),
      );
    }
    return item;
  }

  async deleteItem(accountId: string, itemId: string): Promise<void> {
    const account = this.account(accountId);
    this.ownTweet(accountId, itemId);
    account.tweets = account.tweets.filter((t) => t.id !== itemId);
    await this.emit(tweetDeleteBody({ account, tweetId: itemId, now: this.clock.now() }));
  }

  updateProfile(accountId: string, patch: ProfilePatch): Profile {
    const account = this.account(accountId);
    if (patch.username !== undefined) account.username = patch.username;
    if (patch.name !== undefined) account.name = patch.name;
    if (patch.description !== undefined) account.description = patch.description;
    if (patch.followers !== undefined) account.followers = patch.followers;
    if (patch.following !== undefined) account.following = patch.following;
    if (patch.listed !== undefined) account.listed = patch.listed;
    return this.groundTruth(accountId).profile;
  }

  /** The user removed the app in their settings: tokens die and X sends a `user_event` revoke. */
  async revokeAccount(accountId: string): Promise<{ revokedGrants: number }> {
    this.account(accountId);
    const revokedGrants = this.grants.revokeAccount(accountId);
    await this.emit(revokeBody({ accountId, appId: this.appId, now: this.clock.now() }));
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

  /** Registers a webhook URL after X's CRC check succeeds against it. */
  async subscribeWebhook(url: string): Promise<{ ok: boolean; reason?: string }> {
    const crc = await runCrc(url, this.credentials.clientSecret);
    if (crc.ok) this.outbox.subscribe(url);
    return crc;
  }

  async sendWebhook(req: WebhookSendRequest): Promise<WebhookDelivery[]> {
    const account = this.account(req.accountId);
    const now = this.clock.now();
    const pick = (itemId?: string) => (itemId ? this.ownTweet(account.id, itemId) : account.tweets[0]);
    switch (req.type) {
      case 'tweet_create': {
        const tweet = pick(req.itemId);
        if (!tweet) throw new BadInput('account has no posts');
        return this.emit(tweetCreateBody(account, tweet));
      }
      case 'favorite': {
        const tweet = pick(req.itemId);
        if (!tweet) throw new BadInput('account has no posts');
        return this.emit(
          favoriteBody({ account, tweet, likerId: req.likerId ?? this.random.digits(12), now }),
        );
      }
      case 'follow':
      case 'unfollow':
        return this.emit(
          followBody({ account, sourceId: req.sourceId ?? this.random.digits(12), type: req.type, now }),
        );
      case 'tweet_delete':
        return this.emit(tweetDeleteBody({ account, tweetId: req.itemId, now }));
      case 'revoke':
        return this.emit(revokeBody({ accountId: account.id, appId: this.appId, now }));
      default:
        throw new BadInput(`unknown webhook type ${(req as { type: string }).type}`);
    }
  }

  private emit(body: object): Promise<WebhookDelivery[]> {
    const text = JSON.stringify(body);
    return this.outbox.send(text, signedHeaders(this.credentials.clientSecret, text));
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
