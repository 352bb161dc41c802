/**
 * The X facts this sandbox serves, kept here on purpose and never imported from the connector (src/platforms): a
 * wrong fact in the connector must fail against the sandbox, not be confirmed by it. Each fact names its source.
 */
import { createHmac } from 'node:crypto';

// ── Data endpoints ───────────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/fundamentals/fields (tweet.fields / user.fields values)

export const TWEET_FIELDS = [
  'attachments',
  'author_id',
  'conversation_id',
  'created_at',
  'edit_history_tweet_ids',
  'id',
  'in_reply_to_user_id',
  'lang',
  'non_public_metrics',
  'organic_metrics',
  'public_metrics',
  'referenced_tweets',
  'text',
] as const;
export type TweetField = (typeof TWEET_FIELDS)[number];

export const USER_FIELDS = [
  'created_at',
  'description',
  'id',
  'location',
  'name',
  'profile_image_url',
  'protected',
  'public_metrics',
  'url',
  'username',
  'verified',
] as const;
export type UserField = (typeof USER_FIELDS)[number];

/**
 * `non_public_metrics` / `organic_metrics` only for the author's own posts of the last 30 days.
 * https://docs.x.com/x-api/fundamentals/metrics
 */
export const NON_PUBLIC_WINDOW_MS = 30 * 24 * 3_600_000;

// ── Pay-per-use usage cap ───────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/fundamentals/post-cap (monthly cap of Post reads; Post lookup and user timelines count),
// https://docs.x.com/x-api/fundamentals/response-codes-and-errors (429 "Rate limit or usage cap exceeded", type
// `.../usage-capped`), and a real answer quoted in https://github.com/xdevplatform/xdk/issues/25: a 429 whose body is
// this problem while the window's `x-rate-limit-*` headers still show room.

/** The 429 body of a request made once the monthly cap is reached (X's account/product fields left out). */
export const USAGE_CAPPED_PROBLEM = {
  title: 'UsageCapExceeded',
  period: 'Monthly',
  scope: 'Product',
  detail: 'Usage cap exceeded: Monthly product cap',
  type: 'https://api.twitter.com/2/problems/usage-capped',
};

// ── App-only authentication ──────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/fundamentals/authentication/oauth-2-0/application-only

/** `POST /oauth2/token` (no `/2`): Basic consumer key:secret, form body `grant_type=client_credentials`. */
export const APP_TOKEN_PATH = '/oauth2/token';

/** Bad consumer credentials or request: HTTP 403 with this body. */
export const APP_TOKEN_ERROR = {
  errors: [{ code: 99, label: 'authenticity_token_error', message: 'Unable to verify your credentials' }],
};

/**
 * An OAuth 2.0 user token on an endpoint that takes only app-only (or OAuth 1.0a) auth: HTTP 403 problem.
 * The V2 Webhooks endpoints accept `BearerToken` (app-only) only (X OpenAPI spec, `security` of `/2/webhooks`).
 */
export const UNSUPPORTED_AUTHENTICATION = {
  title: 'Unsupported Authentication',
  detail:
    'Authenticating with OAuth 2.0 User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 Application-Only].',
  type: 'https://api.twitter.com/2/problems/unsupported-authentication',
  status: 403,
};

// ── V2 Webhooks API ──────────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/webhooks/introduction and https://docs.x.com/x-api/webhooks/quickstart

/** The failure reasons X documents for `POST/PUT/DELETE /2/webhooks` (the body carrying them is undocumented). */
export type WebhookFailure =
  | 'CrcValidationFailed'
  | 'UrlValidationFailed'
  | 'DuplicateUrlFailed'
  | 'WebhookLimitExceeded'
  | 'WebhookIdInvalid';

/** `url` of `POST /2/webhooks`: 1..200 characters (OpenAPI `CreateWebhooksRequest`), HTTPS, no port. */
export const WEBHOOK_URL_MAX = 200;

/** Signature header of every delivery, and the format of both it and the CRC answer. */
export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature';

/** `sha256=` + base64(HMAC-SHA256(consumer secret, message)): CRC answers (message = crc_token) and deliveries. */
export function xSignature(consumerSecret: string, message: string): string {
  return 'sha256=' + createHmac('sha256', consumerSecret).update(message).digest('base64');
}

// ── X Activity API ───────────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/activity/introduction (event types, privacy) and
// https://docs.x.com/x-api/activity/event-payloads (envelope and payloads)

/** Public events: an app-only bearer token may subscribe to them for any user id. */
export const PUBLIC_EVENT_TYPES = [
  'post.create',
  'post.delete',
  'profile.update.bio',
  'profile.update.profile_picture',
  'profile.update.banner_picture',
  'profile.update.screenname',
  'profile.update.handle',
  'profile.update.geo',
  'profile.update.url',
  'profile.update.verified_badge',
  'profile.update.affiliate_badge',
  'follow.follow',
  'follow.unfollow',
  'broadcast.start',
  'broadcast.end',
] as const;

/** Private events: only with the user's OAuth 2.0 token (and the scope each needs). */
export const PRIVATE_EVENT_TYPES = [
  'like.create',
  'post.mention.create',
  'post.reply.create',
  'post.quote.create',
  'post.repost.create',
  'mute.mute',
  'mute.unmute',
  'block.block',
  'block.unblock',
  'dm.sent',
  'dm.received',
  'dm.read',
  'dm.indicate_typing',
  'chat.received',
  'chat.sent',
  'broadcast.chat',
] as const;

/** `oauth.revoke`: filter "none" (the introduction's table); the subscription's filter is empty. */
export const REVOKE_EVENT_TYPE = 'oauth.revoke';

/** `tag` of a subscription: 1..200 characters (OpenAPI `CreateActivitySubscriptionRequest`). */
export const TAG_MAX = 200;

/** `max_results` of `GET /2/activity/subscriptions`: 1..1000 (OpenAPI). */
export const SUBSCRIPTIONS_PAGE_MAX = 1000;
