/**
 * The small interface every platform implements, and the normalized records it produces.
 * Canonical models follow the "schema and type share one name" convention: `Item` is both the zod schema and the type.
 * Firestore layout and metric names: docs/contract.md → Firestore.
 */
import { z } from 'zod';
import type { ReadBilling } from './billing';
import {
  ITEM_KIND_NAMES,
  type ReadUsage,
  PLATFORM_IDS,
  type ItemKind as ItemKindName,
  type PlatformId as PlatformName,
} from '../domain';

export { ITEM_KINDS, METRIC_NAMES, PLATFORM_IDS } from '../domain';

/** zod schemas of the domain's names (src/domain), for parsing untrusted input. */
export const PlatformId = z.enum(PLATFORM_IDS);
export type PlatformId = PlatformName;
export const ItemKind = z.enum(ITEM_KIND_NAMES);
export type ItemKind = ItemKindName;

const Count = z.number().int().nonnegative();
const Metrics = z.record(z.string(), z.number());
/** Platform-specific, non-metric facts about an item (media type, permalink, duration…). Scalars only. */
const Attributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const Profile = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  followers: Count.optional(),
  following: Count.optional(),
  postCount: Count.optional(),
});
export type Profile = z.infer<typeof Profile>;

export const Item = z.object({
  kind: ItemKind,
  /** The platform's own id: also the Firestore document id. */
  id: z.string().min(1),
  /** ISO-8601 instant; the sink stores it as a Firestore Timestamp. */
  createdAt: z.string().datetime({ offset: true }),
  /** Instagram caption, tweet text, TikTok `video_description`. */
  text: z.string().nullable(),
  metrics: Metrics,
  attributes: Attributes.optional(),
});
export type Item = z.infer<typeof Item>;

/** Account-level metrics of one day (UTC), stored at `insights/{date}`. */
export const DailyInsight = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  metrics: Metrics,
});
export type DailyInsight = z.infer<typeof DailyInsight>;

/** Demographics as share or count per dimension value, e.g. `{ age: { '18-24': 120 }, country: { US: 300 } }`. */
export const Audience = z.object({
  age: z.record(z.string(), z.number()).optional(),
  gender: z.record(z.string(), z.number()).optional(),
  country: z.record(z.string(), z.number()).optional(),
  city: z.record(z.string(), z.number()).optional(),
});
export type Audience = z.infer<typeof Audience>;

/** Everything account-level that one sync reads: profile, latest insights, audience where available. */
export interface AccountSnapshot {
  accountId: string;
  profile: Profile;
  /** Latest account-level metrics (the `insights` field of the platform document). */
  insights?: Record<string, number>;
  /** Per-day account metrics, written to the `insights/{YYYY-MM-DD}` subcollection. */
  daily?: DailyInsight[];
  /** Absent when the platform gives none (too few followers, scope missing, no endpoint). */
  audience?: Audience;
  /**
   * Metrics, breakdowns or edges the platform refused for this account (e.g. `(#10)` for a small account), each with
   * the platform's reason. Stored as `unavailable` on the connection document; the rest of the sync goes on.
   */
  unavailable?: Record<string, string>;
  usage: CallUsage;
  /** Resources returned, on platforms that bill reads (X); absent elsewhere. */
  reads?: ReadUsage;
}

/**
 * API calls made, by rate-limit bucket (e.g. `{ 'users/:id/tweets': 1 }`); the sync workflow charges them
 * against the per-user budgets the connector declares in `rateLimits`.
 */
export type CallUsage = Record<string, number>;

export interface RateWindow {
  /** Bucket name used in `CallUsage`; `*` counts every call of the platform. */
  bucket: string;
  limit: number;
  windowMs: number;
}

/** One page of items, newest first. */
export interface ItemPage {
  items: Item[];
  /** Opaque cursor for the next (older) page; absent on the last page. */
  nextCursor?: string;
  usage: CallUsage;
  /** Resources returned, on platforms that bill reads (X); absent elsewhere. */
  reads?: ReadUsage;
}

export interface ListItemsRequest {
  kind: ItemKind;
  cursor?: string;
  /** Page size; the connector clamps it to what the platform allows. */
  pageSize?: number;
  /** Only items newer than this platform id (X `since_id`). Connectors without id ordering ignore it. */
  sinceId?: string;
}

/**
 * Secrets of one connection. Lives only inside activities and the encrypted token store: it never enters a
 * workflow input, result, signal or query.
 */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; absent when the token does not expire. */
  expiresAt?: number;
  refreshExpiresAt?: number;
  scopes: string[];
  /** The platform's id of the connected account (Instagram user id, X user id, TikTok open_id). */
  accountId: string;
  /** Epoch ms when this access token was issued (Instagram refuses refreshes of tokens younger than 24 h). */
  issuedAt: number;
}

export type PkceMethod = 'none' | 'S256' | 'S256-hex';

export interface AuthorizeUrlRequest {
  state: string;
  redirectUri: string;
  /** Present when `pkce` is not 'none', already encoded as the platform wants it. */
  codeChallenge?: string;
}

export interface CodeExchangeRequest {
  code: string;
  redirectUri: string;
  codeVerifier?: string;
}

export interface OAuthProvider {
  readonly pkce: PkceMethod;
  readonly scopes: readonly string[];
  authorizeUrl(req: AuthorizeUrlRequest): string;
  /** Code → tokens (for Instagram: code → short-lived → long-lived). */
  exchangeCode(req: CodeExchangeRequest): Promise<TokenSet>;
  /** New tokens; a rotated refresh token replaces the old one. Throws `reauth_required` when it cannot. */
  refresh(tokens: TokenSet): Promise<TokenSet>;
  /** How long before `expiresAt` a refresh is due (ms). */
  readonly refreshMarginMs: number;
  /** Revokes at the platform; resolves false where the platform has no revocation. */
  revoke(tokens: TokenSet): Promise<boolean>;
}

export interface WebhookRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Epoch ms; injected for tests of timestamp tolerance. */
  now: number;
}

export const WebhookEventType = z.enum([
  'item_created',
  'item_changed',
  'item_deleted',
  'account_changed',
  'authorization_revoked',
  'other',
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const WebhookEvent = z.object({
  platform: PlatformId,
  /** Stable across redeliveries of the same event: the dedupe key. */
  eventId: z.string().min(1),
  /** The platform account the event is about (maps to a connection through the account index). */
  accountId: z.string().min(1),
  type: WebhookEventType,
  /** The platform's own event name, e.g. `comments`, `tweet_create_events`, `video.publish.completed`. */
  name: z.string(),
  itemKind: ItemKind.optional(),
  itemId: z.string().optional(),
  occurredAt: z.string().datetime({ offset: true }),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export type WebhookResult =
  | { kind: 'handshake'; status: 200; contentType: 'text/plain' | 'application/json'; body: string }
  | { kind: 'events'; events: WebhookEvent[] }
  | { kind: 'rejected'; status: 400 | 401 | 403; reason: string };

export interface WebhookHandler {
  handle(req: WebhookRequest): WebhookResult;
}

/**
 * Webhook delivery setup at the platform for one connected account: without it the platform sends nothing
 * (Instagram `POST /{ig-user-id}/subscribed_apps`, X activity/account-activity subscriptions).
 */
export interface WebhookSubscriptions {
  /** Subscribes the account to the events this connector handles; idempotent (called on connect and reconnect). */
  subscribe(tokens: TokenSet): Promise<void>;
  /** Removes that subscription (called on disconnect, before the token is revoked); resolves if none existed. */
  unsubscribe(tokens: TokenSet): Promise<void>;
}

/** What a second authorization adds to a sync's account snapshot (TikTok Business API: daily history, audience). */
export type AccountPart = Pick<
  AccountSnapshot,
  'insights' | 'daily' | 'audience' | 'unavailable' | 'usage'
> & {
  /** The authorized account's handle, to check that both grants are for the same account. */
  username?: string;
};

/**
 * An optional second authorization of a connection, with its own app, consent, tokens (token store slot `slot`)
 * and refresh: TikTok's Business API grant next to the Login Kit one. The sync reads it after the connector's own
 * `fetchAccount`; its failures are recorded, never fatal to the sync.
 */
export interface SecondaryAuthorization {
  /** Token store slot and route segment, e.g. `business`. */
  readonly slot: string;
  readonly oauth: OAuthProvider;
  /** Daily insights for `[since, until)`, latest insights and audience of the authorized account. */
  fetchAccount(token: TokenSet, range: { since: Date; until: Date }): Promise<AccountPart>;
}

export interface PlatformConnector {
  readonly id: PlatformId;
  readonly oauth: OAuthProvider;
  readonly webhooks: WebhookHandler;
  /** Absent where the platform delivers webhooks without a per-account subscription (TikTok: app-level). */
  readonly subscriptions?: WebhookSubscriptions;
  /** Per-user budgets, durable in the connection workflow. */
  readonly rateLimits: readonly RateWindow[];
  /** The optional second authorization (TikTok Business API); absent when the platform or deployment has none. */
  readonly business?: SecondaryAuthorization;
  /**
   * Present where the platform bills every read (X): its prices, and which stored items incremental syncs refresh
   * by id instead of re-walking the listing (src/platforms/billing.ts).
   */
  readonly billing?: ReadBilling;
  /** Profile, latest account insights, daily insights for `[since, until)`, audience. */
  fetchAccount(token: TokenSet, range: { since: Date; until: Date }): Promise<AccountSnapshot>;
  listItems(token: TokenSet, req: ListItemsRequest): Promise<ItemPage>;
  /**
   * Current metrics of known items (TikTok `video/query`, X tweet lookup…). Items that no longer exist are
   * reported in `missing`. Connectors without such an endpoint return every id in `unsupported`.
   */
  refreshItems(
    token: TokenSet,
    req: { kind: ItemKind; ids: string[] },
  ): Promise<{
    items: Item[];
    missing: string[];
    unsupported?: string[];
    usage: CallUsage;
    reads?: ReadUsage;
  }>;
}
