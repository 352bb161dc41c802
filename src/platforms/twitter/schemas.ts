/**
 * Raw shapes of X API v2 and its OAuth 2.0 endpoints (platform-api-notes.md → X), as zod schemas.
 * The connector validates every response with these; the sandbox's contract tests validate its answers with the
 * same schemas, so the two cannot drift apart silently. Objects are not strict: X adds fields over time and an
 * unknown extra field must not break a sync; a missing or retyped field we read must.
 */
import { z } from 'zod';

/** Scopes the connector asks for: read tweets and the user, and a refresh token (`offline.access`). */
export const TWITTER_SCOPES = ['tweet.read', 'users.read', 'offline.access'] as const;

/** Access tokens live 2 h (`expires_in: 7200`). */
export const ACCESS_TOKEN_LIFETIME_S = 7200;

/** X returns `non_public_metrics` / `organic_metrics` only for the author's own posts of the last 30 days. */
export const NON_PUBLIC_WINDOW_MS = 30 * 24 * 3_600_000;

/** `tweet.fields` values the connector and the sandbox know. */
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

/** `user.fields` values the connector and the sandbox know. */
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

const Count = z.number().int().nonnegative();
/** X ids are 64-bit snowflakes, always sent as strings. */
const Id = z.string().regex(/^\d{1,19}$/, 'expected a numeric id string');

// ── OAuth ────────────────────────────────────────────────────────────────────────────────────────────────

export const TokenResponse = z.object({
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'expected token_type bearer'),
  expires_in: z.number().int().positive(),
  access_token: z.string().min(1),
  scope: z.string(),
  /** Only with scope `offline.access`. */
  refresh_token: z.string().min(1).optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Failed token/revoke call: `{"error":"invalid_request","error_description":"…"}`. */
export const OAuthErrorBody = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});
export type OAuthErrorBody = z.infer<typeof OAuthErrorBody>;

export const RevokeResponse = z.object({ revoked: z.boolean() });
export type RevokeResponse = z.infer<typeof RevokeResponse>;

// ── Errors ───────────────────────────────────────────────────────────────────────────────────────────────

/** Problem JSON (`application/problem+json`), e.g. the 401 and 429 bodies. */
export const Problem = z.object({
  title: z.string(),
  detail: z.string().optional(),
  type: z.string(),
  status: z.number().int().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** One entry of `errors[]`: partial errors in a 200 (not found, field not authorized) or parameter errors. */
export const ApiErrorEntry = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  value: z.string().optional(),
  parameter: z.string().optional(),
  resource_type: z.string().optional(),
  resource_id: z.string().optional(),
  message: z.string().optional(),
  parameters: z.record(z.string(), z.array(z.string())).optional(),
});
export type ApiErrorEntry = z.infer<typeof ApiErrorEntry>;

/** 400 for bad parameters: `{"errors":[{"parameters":{…},"message"}],"title":"Invalid Request",…}`. */
export const InvalidRequest = z.object({
  errors: z.array(ApiErrorEntry),
  title: z.string(),
  detail: z.string(),
  type: z.string(),
});
export type InvalidRequest = z.infer<typeof InvalidRequest>;

// ── Users ────────────────────────────────────────────────────────────────────────────────────────────────

export const UserPublicMetrics = z.object({
  followers_count: Count,
  following_count: Count,
  tweet_count: Count,
  listed_count: Count,
  like_count: Count.optional(),
  media_count: Count.optional(),
});

export const User = z.object({
  id: Id,
  name: z.string(),
  username: z.string().min(1),
  created_at: z.string().datetime({ offset: true }).optional(),
  description: z.string().optional(),
  location: z.string().optional(),
  profile_image_url: z.string().optional(),
  protected: z.boolean().optional(),
  url: z.string().optional(),
  verified: z.boolean().optional(),
  public_metrics: UserPublicMetrics.optional(),
});
export type User = z.infer<typeof User>;

export const UsersMeResponse = z.object({ data: User, errors: z.array(ApiErrorEntry).optional() });
export type UsersMeResponse = z.infer<typeof UsersMeResponse>;

// ── Tweets ───────────────────────────────────────────────────────────────────────────────────────────────

export const TweetPublicMetrics = z.object({
  retweet_count: Count.optional(),
  reply_count: Count.optional(),
  like_count: Count.optional(),
  quote_count: Count.optional(),
  bookmark_count: Count.optional(),
  impression_count: Count.optional(),
});
export type TweetPublicMetrics = z.infer<typeof TweetPublicMetrics>;

export const TweetNonPublicMetrics = z.object({
  impression_count: Count.optional(),
  url_link_clicks: Count.optional(),
  user_profile_clicks: Count.optional(),
  engagements: Count.optional(),
});
export type TweetNonPublicMetrics = z.infer<typeof TweetNonPublicMetrics>;

export const TweetOrganicMetrics = z.object({
  impression_count: Count.optional(),
  like_count: Count.optional(),
  reply_count: Count.optional(),
  retweet_count: Count.optional(),
  url_link_clicks: Count.optional(),
  user_profile_clicks: Count.optional(),
});
export type TweetOrganicMetrics = z.infer<typeof TweetOrganicMetrics>;

export const ReferencedTweet = z.object({
  type: z.enum(['retweeted', 'quoted', 'replied_to']),
  id: Id,
});

export const Tweet = z.object({
  id: Id,
  text: z.string(),
  edit_history_tweet_ids: z.array(Id).optional(),
  created_at: z.string().datetime({ offset: true }).optional(),
  author_id: Id.optional(),
  conversation_id: Id.optional(),
  in_reply_to_user_id: Id.optional(),
  lang: z.string().optional(),
  referenced_tweets: z.array(ReferencedTweet).optional(),
  public_metrics: TweetPublicMetrics.optional(),
  non_public_metrics: TweetNonPublicMetrics.optional(),
  organic_metrics: TweetOrganicMetrics.optional(),
});
export type Tweet = z.infer<typeof Tweet>;

export const TimelineMeta = z.object({
  result_count: Count,
  newest_id: Id.optional(),
  oldest_id: Id.optional(),
  /** Absent on the last page. */
  next_token: z.string().min(1).optional(),
  previous_token: z.string().min(1).optional(),
});
export type TimelineMeta = z.infer<typeof TimelineMeta>;

/** `GET /2/users/:id/tweets`: `data` is absent (not `[]`) on an empty page. */
export const TimelineResponse = z.object({
  data: z.array(Tweet).optional(),
  meta: TimelineMeta.optional(),
  errors: z.array(ApiErrorEntry).optional(),
});
export type TimelineResponse = z.infer<typeof TimelineResponse>;

/** `GET /2/tweets?ids=`: found posts in `data`, missing or unauthorized ones in `errors` (still a 200). */
export const TweetsLookupResponse = z.object({
  data: z.array(Tweet).optional(),
  errors: z.array(ApiErrorEntry).optional(),
});
export type TweetsLookupResponse = z.infer<typeof TweetsLookupResponse>;

// Webhook, subscription and delivery shapes: activity-schemas.ts.
