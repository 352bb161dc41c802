/**
 * zod schemas of Instagram's raw API shapes (docs/instagram.md). The connector validates every
 * response with them, and the sandbox's contract tests validate the sandbox's answers with the same schemas, so
 * the two cannot drift apart silently. Schema and type share one name.
 */
import { z } from 'zod';

/** Graph ids are digit strings; older token responses send `user_id` as a JSON number (parsed losslessly upstream). */
const GraphId = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));

/** Meta writes instants as `2024-05-01T12:00:00+0000`. */
export const MetaTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/);

/** Graph API error body, e.g. `{"error":{"message","type":"OAuthException","code":190,"error_subcode":463}}`. */
export const MetaErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    is_transient: z.boolean().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type MetaErrorBody = z.infer<typeof MetaErrorBody>;

/** Failed code exchange at api.instagram.com: `{"error_type":"OAuthException","code":400,"error_message"}`. */
export const OAuthCodeErrorBody = z.object({
  error_type: z.string(),
  code: z.number().int(),
  error_message: z.string(),
});
export type OAuthCodeErrorBody = z.infer<typeof OAuthCodeErrorBody>;

const ShortLivedToken = z.object({
  access_token: z.string().min(1),
  user_id: GraphId,
  /** `"a,b"` in current responses; some older ones send an array. */
  permissions: z.union([z.string(), z.array(z.string())]).optional(),
});

/** Code → short-lived token: current `{"data":[{…}]}` or older flat `{access_token,user_id}`. */
export const ShortLivedTokenResponse = z.union([
  z.object({ data: z.array(ShortLivedToken).min(1) }).transform((r) => r.data[0]!),
  ShortLivedToken,
]);
export type ShortLivedTokenResponse = z.infer<typeof ShortLivedTokenResponse>;

/** `GET /access_token?grant_type=ig_exchange_token` and `GET /refresh_access_token` answers. */
export const LongLivedTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().int().positive(),
  permissions: z.union([z.string(), z.array(z.string())]).optional(),
});
export type LongLivedTokenResponse = z.infer<typeof LongLivedTokenResponse>;

/** `GET /me?fields=…`: only requested fields are present. */
export const MeResponse = z.object({
  id: GraphId.optional(),
  user_id: GraphId.optional(),
  username: z.string().optional(),
  name: z.string().optional(),
  profile_picture_url: z.string().optional(),
  followers_count: z.number().int().nonnegative().optional(),
  follows_count: z.number().int().nonnegative().optional(),
  media_count: z.number().int().nonnegative().optional(),
  account_type: z.string().optional(),
});
export type MeResponse = z.infer<typeof MeResponse>;

export const BreakdownResult = z.object({
  dimension_values: z.array(z.string()),
  value: z.number(),
});

export const InsightBreakdown = z.object({
  dimension_keys: z.array(z.string()).optional(),
  results: z.array(BreakdownResult),
});

/** One metric of an insights answer: lifetime/time-series `values` or `total_value` (with breakdowns). */
export const InsightEntry = z.object({
  name: z.string(),
  period: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  id: z.string().optional(),
  values: z.array(z.object({ value: z.number(), end_time: MetaTimestamp.optional() })).optional(),
  total_value: z
    .object({
      value: z.number().optional(),
      breakdowns: z.array(InsightBreakdown).optional(),
    })
    .optional(),
});
export type InsightEntry = z.infer<typeof InsightEntry>;

export const Paging = z.object({
  cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
  next: z.string().optional(),
  previous: z.string().optional(),
});
export type Paging = z.infer<typeof Paging>;

/** `/{ig-user-id}/insights` and `/{media-id}/insights`. */
export const InsightsResponse = z.object({
  data: z.array(InsightEntry),
  paging: z.object({ previous: z.string().optional(), next: z.string().optional() }).optional(),
});
export type InsightsResponse = z.infer<typeof InsightsResponse>;

/** An IG media object as the media/stories edges and `/{media-id}` return it (requested fields only). */
export const MediaNode = z.object({
  id: GraphId,
  caption: z.string().optional(),
  media_type: z.string().optional(),
  media_product_type: z.string().optional(),
  permalink: z.string().optional(),
  timestamp: MetaTimestamp.optional(),
  like_count: z.number().int().nonnegative().optional(),
  comments_count: z.number().int().nonnegative().optional(),
  insights: z.object({ data: z.array(InsightEntry) }).optional(),
});
export type MediaNode = z.infer<typeof MediaNode>;

/** `/{ig-user-id}/media` and `/{ig-user-id}/stories`: `{data, paging:{cursors:{before,after}, next?}}`. */
export const MediaPage = z.object({
  data: z.array(MediaNode),
  paging: Paging.optional(),
});
export type MediaPage = z.infer<typeof MediaPage>;

/** `changes[].value` of a `comments` webhook. */
export const CommentChangeValue = z.object({
  id: z.string(),
  from: z.object({ id: z.string(), username: z.string().optional() }).optional(),
  text: z.string().optional(),
  media: z.object({ id: z.string(), media_product_type: z.string().optional() }).optional(),
});
export type CommentChangeValue = z.infer<typeof CommentChangeValue>;

export const WebhookChange = z.object({ field: z.string(), value: z.unknown() });

/** `{"object":"instagram","entry":[{"id","time","changes":[{"field","value"}]}]}`. */
export const WebhookBody = z.object({
  object: z.literal('instagram'),
  entry: z.array(
    z.object({
      id: GraphId,
      time: z.number(),
      changes: z.array(WebhookChange).optional(),
      messaging: z.array(z.unknown()).optional(),
    }),
  ),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

/** `POST|DELETE /{ig-user-id}/subscribed_apps`: `{"success":true}`. */
export const SuccessResponse = z.object({ success: z.boolean() });
export type SuccessResponse = z.infer<typeof SuccessResponse>;

/** `GET /{ig-user-id}/subscribed_apps`: the apps subscribed for the account, with their fields. */
export const SubscribedAppsResponse = z.object({
  data: z.array(
    z.object({
      id: GraphId.optional(),
      name: z.string().optional(),
      subscribed_fields: z.array(z.string()).optional(),
    }),
  ),
});
export type SubscribedAppsResponse = z.infer<typeof SubscribedAppsResponse>;
