/**
 * The TikTok facts this sandbox serves, copied from TikTok's documentation (not from the connector): a wrong fact in
 * `src/platforms/tiktok` must not be confirmed by its own fake. Each fact names the page it comes from; the
 * conformance fixtures in test/fixtures/tiktok/ are the documented examples these facts were checked against.
 */

/**
 * Paths: authorize page (https://developers.tiktok.com/doc/login-kit-web), token and revoke
 * (https://developers.tiktok.com/doc/oauth-user-access-token-management), Display API (the HTTP URL rows of
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info, …-video-list, …-video-query).
 */
export const PATHS = {
  authorize: '/v2/auth/authorize/',
  token: '/v2/oauth/token/',
  revoke: '/v2/oauth/revoke/',
  userInfo: '/v2/user/info/',
  videoList: '/v2/video/list/',
  videoQuery: '/v2/video/query/',
} as const;

/**
 * `user/info` fields and the scope each needs, from the User Object table of
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info (`avatar_url_100`, `avatar_large_url`: basic;
 * `bio_description`, `profile_deep_link`, `is_verified`, `username`: profile; the four counts: stats).
 */
export const USER_FIELD_SCOPES = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
} as const;
export type UserField = keyof typeof USER_FIELD_SCOPES;

/**
 * Video Object fields accepted in `fields` by `video/list` and `video/query`
 * (https://developers.tiktok.com/doc/tiktok-api-v2-video-object; the same list is printed on
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-query). Both endpoints need scope `video.list`.
 */
export const VIDEO_FIELDS = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
] as const;
export type VideoField = (typeof VIDEO_FIELDS)[number];
export const VIDEO_SCOPE = 'video.list';

/**
 * Scopes of Login Kit + Display API: the three `user.info.*` scopes of the User Object table above and `video.list`
 * (the Scope row of https://developers.tiktok.com/doc/tiktok-api-v2-video-list and …-video-query). Others (e.g.
 * `video.upload`) belong to products this sandbox does not serve.
 */
export const DISPLAY_SCOPES = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  VIDEO_SCOPE,
] as const;

/**
 * `video/list`: `max_count` default 10, maximum 20; `cursor` is a UTC Unix timestamp in milliseconds; a page may
 * hold fewer than `max_count` videos while `has_more` is true (https://developers.tiktok.com/doc/tiktok-api-v2-video-list,
 * and the v1 page's note "due to our trust and safety policies…"). `video/query`: up to 20 ids
 * (https://developers.tiktok.com/doc/tiktok-api-v2-video-query).
 */
export const VIDEO_LIST_DEFAULT_COUNT = 10;
export const VIDEO_LIST_MAX_COUNT = 20;
export const VIDEO_QUERY_MAX_IDS = 20;

/**
 * Display API error codes and their HTTP statuses, from "All Error Codes" of
 * https://developers.tiktok.com/doc/tiktok-api-v2-error-handling (messages are the page's descriptions).
 */
export const API_ERRORS = {
  access_token_invalid: {
    status: 401,
    message: 'The access token is invalid or not found in the request.',
  },
  scope_not_authorized: {
    status: 401,
    message: 'The user did not authorize the scope required for completing this request.',
  },
  scope_permission_missed: {
    status: 400,
    message: 'Access token is invalid, some fields need additional scopes.',
  },
  invalid_params: { status: 400, message: 'One or more fields in request is invalid.' },
  rate_limit_exceeded: { status: 429, message: 'The API rate limit was exceeded. Please try again later.' },
  internal_error: {
    status: 500,
    message: 'This is the generic error code for TikTok internal errors.',
  },
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * OAuth error categories of https://developers.tiktok.com/doc/oauth-error-handling (`error`, `error_description`,
 * `log_id`): the ones this sandbox answers.
 */
export type OAuthErrorCode =
  | 'access_denied'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_request'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'server_error'
  | 'rate_limit_exceeded';

/**
 * Token lifetimes: access token 24 h (`expires_in: 86400`), refresh token 365 days from the initial issuance
 * (`refresh_expires_in: 31536000`), `token_type: "Bearer"` (https://developers.tiktok.com/doc/oauth-user-access-token-management).
 * The code lifetime is not documented; 10 minutes is the usual OAuth value.
 */
export const ACCESS_TTL_S = 86_400;
export const REFRESH_TTL_S = 31_536_000;
export const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * Rate limit: 600 requests per minute per endpoint, one-minute sliding window, no rate-limit headers
 * (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit).
 */
export const RATE_LIMIT_PER_MINUTE = 600;
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Webhooks (https://developers.tiktok.com/doc/webhooks-events, https://developers.tiktok.com/doc/webhooks-verification):
 * body `{client_key, event, create_time (s), user_openid, content: "<serialized JSON>"}`, header
 * `TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256(client_secret, t + "." + body)>`. `video.publish.completed` and
 * `video.upload.failed` fire for videos shared through the app's own Video Kit / Content Posting flow, never for the
 * creator's ordinary uploads in the TikTok app; `authorization.removed` carries `reason` 0..5.
 */
export const WEBHOOK_EVENTS = [
  'authorization.removed',
  'video.publish.completed',
  'video.upload.failed',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
export const SIGNATURE_HEADER = 'TikTok-Signature';
/** `authorization.removed` `content.reason`: 1 = the user disconnected the app in TikTok. */
export const REASON_USER_DISCONNECTED = 1;
