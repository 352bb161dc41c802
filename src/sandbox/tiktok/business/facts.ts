/**
 * The TikTok API for Business (Accounts API, v1.3) facts this sandbox serves, copied from TikTok's documentation and
 * not from the connector (src/sandbox may not import src/platforms). Each fact names its page; facts the portal did
 * not let us read in full are marked UNCONFIRMED and chosen so a connector that relies on them fails loudly here.
 */

/**
 * Paths on business-api.tiktok.com: token, refresh and revoke on the Authentication page
 * https://business-api.tiktok.com/portal/docs?id=1738084387220481, the account read on
 * https://business-api.tiktok.com/portal/docs?id=1762228399168514. Consent uses the same www.tiktok.com
 * `/v2/auth/authorize/` page as Login Kit (https://business-api.tiktok.com/portal/docs?id=1738083939371009).
 */
export const BUSINESS_PATHS = {
  token: '/open_api/v1.3/tt_user/oauth2/token/',
  refresh: '/open_api/v1.3/tt_user/oauth2/refresh_token/',
  revoke: '/open_api/v1.3/tt_user/oauth2/revoke/',
  businessGet: '/open_api/v1.3/business/get/',
} as const;

/**
 * Scopes a "TikTok Accounts" app may be granted (the scope list of the token answer example on the Authentication
 * page): the sandbox app is approved for these.
 */
export const BUSINESS_SCOPES = [
  'user.info.basic',
  'user.info.username',
  'user.info.stats',
  'user.insights',
  'user.account.type',
  'video.list',
  'video.insights',
  'comment.list',
  'comment.list.manage',
  'video.publish',
] as const;

/** The code is valid for 10 minutes and can be used once (Authorization page). */
export const AUTH_CODE_TTL_MS = 10 * 60 * 1000;
/** `expires_in: 86400` and `refresh_token_expires_in: 31536000` (Authentication page). */
export const ACCESS_TOKEN_TTL_S = 86_400;
export const REFRESH_TOKEN_TTL_S = 31_536_000;

/**
 * Rate limits of the Accounts API (https://business-api.tiktok.com/portal/docs?id=1738084416214017): 40 queries per
 * minute per authorized TikTok account and endpoint; a throttled call gets code 40100.
 */
export const PER_ACCOUNT_PER_MINUTE = 40;
export const RATE_WINDOW_MS = 60_000;

/**
 * Daily metrics reach back 60 days; audience breakdowns exist for accounts with at least 100 followers; profile and
 * post insights lag 24–48 hours (https://business-api.tiktok.com/portal/docs?id=1762228399168514 and
 * https://business-api.tiktok.com/portal/docs?id=1740304387032066). UNCONFIRMED: what TikTok answers for a
 * `start_date` older than 60 days; the sandbox refuses it (code 40002) so a connector must stay inside the window.
 */
export const LOOKBACK_DAYS = 60;
export const AUDIENCE_MIN_FOLLOWERS = 100;

/**
 * Envelope codes (every answer is `{code, message, request_id, data}` with HTTP 200, code 0 = OK). 40100 throttled
 * (rate-limit page above). 40105 "Access token is incorrect or has been revoked" and 40131 "Authorization code is
 * expired" as implementers quote them; UNCONFIRMED: the full return-code table (sandbox uses 40105 for expired tokens
 * too, 40104 for a missing one, 40001 for a wrong app or business_id, 40002 for bad parameters, 50000 for outages).
 */
export const BUSINESS_ERRORS = {
  noPermission: { code: 40001, message: 'No permission to operate this TikTok account or app.' },
  invalidParams: { code: 40002, message: 'Invalid parameters.' },
  throttled: { code: 40100, message: 'Too many requests. Please retry in some time.' },
  tokenEmpty: { code: 40104, message: 'Access token is null, please check it.' },
  tokenInvalid: { code: 40105, message: 'Access token is incorrect or has been revoked.' },
  authCodeExpired: { code: 40131, message: 'Authorization code is expired.' },
  internal: { code: 50000, message: 'System error.' },
} as const;
export type BusinessErrorName = keyof typeof BUSINESS_ERRORS;

/** Fields `/business/get/` accepts (profile, audience, and the daily series under `metrics`). */
export const PROFILE_FIELDS = [
  'is_business_account',
  'username',
  'display_name',
  'profile_image',
  'followers_count',
] as const;
export const AUDIENCE_FIELDS = [
  'audience_ages',
  'audience_genders',
  'audience_countries',
  'audience_cities',
] as const;
export const DAILY_FIELDS = [
  'followers_count',
  'profile_views',
  'video_views',
  'likes',
  'comments',
  'shares',
] as const;
