/**
 * Raw shapes of TikTok API for Business v1.3, Accounts API ("TikTok Accounts"), as zod schemas: the envelope, the
 * `tt_user` OAuth endpoints and `GET /business/get/`. Sources beside each fact (docs/tiktok.md lists them).
 *
 * Where the documentation's field tables could not be read in full (they sit behind TikTok's JavaScript portal),
 * members are optional and marked UNCONFIRMED: the connector then accepts both readings instead of failing.
 */
import { z } from 'zod';

/** Paths appended to `TIKTOK_BUSINESS_API_URL` exactly as on the real host. */
export const BUSINESS_PATHS = {
  // https://business-api.tiktok.com/portal/docs?id=1738084387220481 (Authentication: token, refresh, revoke)
  token: '/open_api/v1.3/tt_user/oauth2/token/',
  refresh: '/open_api/v1.3/tt_user/oauth2/refresh_token/',
  revoke: '/open_api/v1.3/tt_user/oauth2/revoke/',
  // https://business-api.tiktok.com/portal/docs?id=1762228399168514 (Get profile data of a TikTok account)
  businessGet: '/open_api/v1.3/business/get/',
} as const;

/**
 * Scopes asked for on the consent page. The granted set is what the app's "TikTok Accounts" permission allows;
 * the token answer lists it (example scope list: https://business-api.tiktok.com/portal/docs?id=1738084387220481).
 * `user.insights` carries the analytics and audience fields of `/business/get/`.
 */
export const BUSINESS_SCOPES = [
  'user.info.basic',
  'user.info.username',
  'user.info.stats',
  'user.insights',
] as const;

/**
 * Envelope codes the connector acts on. 0 = OK. 40100 = throttled (rate limits of the Accounts API,
 * https://business-api.tiktok.com/portal/docs?id=1738084416214017: a throttled call returns code 40100, a per-minute
 * breach clears after a five-minute wait). 40105 = "Access token is incorrect or has been revoked", 40131 =
 * "Authorization code is expired" (reported by implementers; the return-code table itself could not be read here).
 * UNCONFIRMED which code an expired access token gets: 40102, 40104 and 40105 all lead to one refresh.
 */
export const BUSINESS_CODES = {
  ok: 0,
  invalidParams: 40002,
  throttled: 40100,
  tokenExpired: 40102,
  tokenEmpty: 40104,
  tokenInvalid: 40105,
  authCodeExpired: 40131,
  internal: 50000,
} as const;

/** Per-minute breaches clear after a five-minute wait (https://business-api.tiktok.com/portal/docs?id=1738084416214017). */
export const THROTTLE_WAIT_MS = 5 * 60 * 1000;

/**
 * `/business/get/` serves daily metrics of the past 60 days (https://business-api.tiktok.com/portal/docs?id=1762228399168514;
 * its field table was not readable here, the 60 days are from our platform notes and public clients): the
 * connector never asks for an older start date.
 */
export const LOOKBACK_DAYS = 60;

/** Audience breakdowns exist for accounts with at least 100 followers (same page and sources as `LOOKBACK_DAYS`). */
export const AUDIENCE_MIN_FOLLOWERS = 100;

/** Every answer: `{code, message, request_id, data}`, HTTP 200 also for errors. */
export const BusinessEnvelope = z.object({
  code: z.number().int(),
  message: z.string(),
  request_id: z.string(),
  data: z.unknown().optional(),
});
export type BusinessEnvelope = z.infer<typeof BusinessEnvelope>;

/** `data` of `/tt_user/oauth2/token/` and `/tt_user/oauth2/refresh_token/` (same struct on both). */
export const BusinessToken = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  /** Comma-separated scopes the account holder granted. */
  scope: z.string(),
  /** Seconds; 86400 (24 h). */
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(1),
  /** Seconds; 31536000 (one year). */
  refresh_token_expires_in: z.number().int().nonnegative(),
  /** App-scoped id of the TikTok account: every Accounts API call sends it as `business_id`. */
  open_id: z.string().min(1),
});
export type BusinessToken = z.infer<typeof BusinessToken>;

export const BusinessTokenResponse = BusinessEnvelope.extend({ data: BusinessToken });

/** `data` of `/tt_user/oauth2/revoke/` on success: an empty object. */
export const BusinessRevokeResponse = BusinessEnvelope.extend({ data: z.object({}).optional() });

const share = z.number().nonnegative();

/** One audience entry: a dimension value and its share of followers (0–1). */
export const AudienceAge = z.object({ age: z.string(), percentage: share }); // UNCONFIRMED member name `age`
export const AudienceGender = z.object({ gender: z.string(), percentage: share });
export const AudienceCountry = z.object({ country: z.string(), percentage: share });
// UNCONFIRMED: `city_name` in the clients we checked, `city` in others; both accepted.
export const AudienceCity = z
  .object({ city_name: z.string().optional(), city: z.string().optional(), percentage: share })
  .refine((c) => c.city_name !== undefined || c.city !== undefined, 'city_name or city is required');

const count = z.number().int().nonnegative();

/** One day of `metrics` (only the fields asked for in `fields` are present). */
export const BusinessDailyMetric = z.looseObject({
  /** `YYYY-MM-DD`, the UTC day. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  followers_count: count.optional(),
  profile_views: count.optional(),
  video_views: count.optional(),
  likes: count.optional(),
  comments: count.optional(),
  shares: count.optional(),
});
export type BusinessDailyMetric = z.infer<typeof BusinessDailyMetric>;

/** `data` of `/business/get/`: the fields asked for, daily `metrics` when a date range was given. */
export const BusinessAccount = z.looseObject({
  is_business_account: z.boolean().optional(),
  username: z.string().optional(),
  display_name: z.string().optional(),
  profile_image: z.string().optional(),
  followers_count: count.optional(),
  audience_ages: z.array(AudienceAge).optional(),
  audience_genders: z.array(AudienceGender).optional(),
  audience_countries: z.array(AudienceCountry).optional(),
  audience_cities: z.array(AudienceCity).optional(),
  metrics: z.array(BusinessDailyMetric).optional(),
});
export type BusinessAccount = z.infer<typeof BusinessAccount>;

export const BusinessGetResponse = BusinessEnvelope.extend({ data: BusinessAccount });

/** What the connector asks `/business/get/` for: the profile counters, audience and the daily series. */
export const BUSINESS_FIELDS = [
  'username',
  'display_name',
  'followers_count',
  'audience_ages',
  'audience_genders',
  'audience_countries',
  'audience_cities',
  'profile_views',
  'video_views',
  'likes',
  'comments',
  'shares',
] as const;
