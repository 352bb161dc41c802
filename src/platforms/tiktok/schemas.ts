/**
 * Raw shapes of TikTok Login Kit + Display API v2 (docs/tiktok.md), as zod schemas.
 * The connector validates every response with these; the sandbox's contract tests validate its answers with the
 * same schemas, so the two cannot drift apart silently.
 */
import { z } from 'zod';

/** Scopes the connector asks for: profile, counts and the public video list. */
export const TIKTOK_SCOPES = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.list',
] as const;

/** Which scope each `user/info` field needs (TikTok answers `scope_not_authorized` for a field outside the grant). */
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

/** Fields of a video object that `video/list` and `video/query` accept in `fields`. */
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

/** What the connector asks for (the notes' field lists). */
export const CONNECTOR_USER_FIELDS: readonly UserField[] = [
  'open_id',
  'union_id',
  'avatar_url',
  'display_name',
  'username',
  'follower_count',
  'following_count',
  'likes_count',
  'video_count',
];
export const CONNECTOR_VIDEO_FIELDS: readonly VideoField[] = [
  'id',
  'create_time',
  'title',
  'video_description',
  'duration',
  'share_url',
  'view_count',
  'like_count',
  'comment_count',
  'share_count',
];

/** Page size limits of `video/list` and batch size of `video/query`. */
export const MAX_VIDEO_PAGE = 20;
export const MAX_QUERY_IDS = 20;

export const TIKTOK_ERROR_CODES = [
  'ok',
  'access_token_invalid',
  'scope_not_authorized',
  'scope_permission_missed',
  'invalid_params',
  'rate_limit_exceeded',
  'internal_error',
] as const;

/** `error` member of every Display API response; `code` stays a plain string so a new code is not a shape error. */
export const TikTokApiError = z.object({
  code: z.string(),
  message: z.string(),
  log_id: z.string(),
});
export type TikTokApiError = z.infer<typeof TikTokApiError>;

const count = z.number().int().nonnegative();

/** Every member optional: TikTok returns only the fields asked for in `fields`. */
export const TikTokUser = z.object({
  open_id: z.string().optional(),
  union_id: z.string().optional(),
  avatar_url: z.string().optional(),
  avatar_url_100: z.string().optional(),
  avatar_large_url: z.string().optional(),
  display_name: z.string().optional(),
  bio_description: z.string().optional(),
  profile_deep_link: z.string().optional(),
  is_verified: z.boolean().optional(),
  username: z.string().optional(),
  follower_count: count.optional(),
  following_count: count.optional(),
  likes_count: count.optional(),
  video_count: count.optional(),
});
export type TikTokUser = z.infer<typeof TikTokUser>;

export const TikTokVideo = z.object({
  id: z.string().min(1),
  /** Unix seconds. */
  create_time: z.number().int().optional(),
  cover_image_url: z.string().optional(),
  share_url: z.string().optional(),
  video_description: z.string().optional(),
  /** Seconds. */
  duration: z.number().int().optional(),
  height: z.number().int().optional(),
  width: z.number().int().optional(),
  title: z.string().optional(),
  embed_html: z.string().optional(),
  embed_link: z.string().optional(),
  like_count: count.optional(),
  comment_count: count.optional(),
  share_count: count.optional(),
  view_count: count.optional(),
});
export type TikTokVideo = z.infer<typeof TikTokVideo>;

export const UserInfoResponse = z.object({
  data: z.object({ user: TikTokUser }),
  error: TikTokApiError,
});
export type UserInfoResponse = z.infer<typeof UserInfoResponse>;

export const VideoListResponse = z.object({
  data: z.object({
    videos: z.array(TikTokVideo),
    /** Epoch ms: pass it back to get the next (older) page. */
    cursor: z.number().int(),
    has_more: z.boolean(),
  }),
  error: TikTokApiError,
});
export type VideoListResponse = z.infer<typeof VideoListResponse>;

export const VideoQueryResponse = z.object({
  data: z.object({
    videos: z.array(TikTokVideo),
    cursor: z.number().int().optional(),
    has_more: z.boolean().optional(),
  }),
  error: TikTokApiError,
});
export type VideoQueryResponse = z.infer<typeof VideoQueryResponse>;

/** Error answer of the Display API: `data` is an empty object (or absent) and `error.code` names the problem. */
export const ApiErrorResponse = z.object({
  data: z.unknown().optional(),
  error: TikTokApiError,
});
export type ApiErrorResponse = z.infer<typeof ApiErrorResponse>;

export const TokenResponse = z.object({
  open_id: z.string().min(1),
  /** Comma-separated scopes the user granted (may be a subset of those asked for). */
  scope: z.string(),
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(1),
  refresh_expires_in: z.number().int().nonnegative(),
  token_type: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const OAuthErrorResponse = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  log_id: z.string().optional(),
});
export type OAuthErrorResponse = z.infer<typeof OAuthErrorResponse>;

export const WEBHOOK_EVENTS = [
  'authorization.removed',
  'video.publish.completed',
  'video.upload.failed',
] as const;

/** Webhook body; `content` is itself a JSON document serialized into a string. */
export const WebhookBody = z.object({
  client_key: z.string().min(1),
  event: z.string().min(1),
  create_time: z.number().int().positive(),
  user_openid: z.string().min(1),
  content: z.string(),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

/** What `content` holds for the events we act on (members differ per event; unknown members are ignored). */
export const WebhookContent = z.looseObject({
  share_id: z.string().optional(),
  publish_id: z.string().optional(),
  video_id: z.string().optional(),
  post_id: z.string().optional(),
  reason: z.number().optional(),
});
export type WebhookContent = z.infer<typeof WebhookContent>;
