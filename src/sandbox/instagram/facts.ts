/**
 * The Instagram platform facts this sandbox serves, kept here on purpose: the sandbox must not share them with the
 * connector (src/platforms/instagram), or a wrong fact there would be confirmed by its own fake. Each fact names the
 * documentation it comes from.
 */

/**
 * Valid `/{media-id}/insights` metrics per `media_product_type`; one metric outside the set fails the whole request.
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
export const MEDIA_INSIGHT_METRICS: Record<'FEED' | 'REELS' | 'STORY', readonly string[]> = {
  FEED: [
    'views',
    'reach',
    'likes',
    'comments',
    'saved',
    'shares',
    'total_interactions',
    'follows',
    'profile_visits',
  ],
  REELS: [
    'views',
    'reach',
    'likes',
    'comments',
    'saved',
    'shares',
    'total_interactions',
    'ig_reels_avg_watch_time',
    'ig_reels_video_view_total_time',
  ],
  STORY: [
    'views',
    'reach',
    'replies',
    'shares',
    'total_interactions',
    'follows',
    'profile_visits',
    'navigation',
  ],
};

/**
 * Dead for every Graph version since 2025-04-21 (v22.0 changelog).
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
export const DEAD_MEDIA_METRICS: readonly string[] = [
  'plays',
  'clips_replays_count',
  'ig_reels_aggregated_all_plays_count',
  'impressions',
  'video_views',
];

/**
 * `breakdown=story_navigation_action_type` of the story `navigation` metric and its dimension values.
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
 */
export const STORY_NAVIGATION_BREAKDOWN = 'story_navigation_action_type';
export const STORY_NAVIGATION_ACTIONS = ['tap_forward', 'tap_back', 'tap_exit', 'swipe_forward'] as const;

/**
 * Account metrics of `GET /{ig-user-id}/insights?period=day` (`impressions` is dead since 2025-04-21).
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-user/insights
 */
export const ACCOUNT_DAY_METRICS = [
  'reach',
  'views',
  'accounts_engaged',
  'total_interactions',
  'likes',
  'comments',
  'saves',
  'shares',
  'replies',
  'follows_and_unfollows',
  'profile_links_taps',
] as const;
export type AccountDayMetric = (typeof ACCOUNT_DAY_METRICS)[number];

/** Account metrics that also accept `metric_type=time_series` (same page). */
export const TIME_SERIES_METRICS: readonly string[] = ['reach'];

/**
 * Demographic metrics: `period=lifetime`, `metric_type=total_value`, one `breakdown`, top 45 entries, at least 100
 * followers. https://developers.facebook.com/docs/instagram-platform/reference/instagram-user/insights
 */
export const DEMOGRAPHIC_METRICS: readonly string[] = [
  'follower_demographics',
  'engaged_audience_demographics',
];
export const DEMOGRAPHIC_BREAKDOWNS = ['age', 'gender', 'country', 'city'] as const;
export type DemographicBreakdown = (typeof DEMOGRAPHIC_BREAKDOWNS)[number];
export const DEMOGRAPHICS_MIN_FOLLOWERS = 100;
export const DEMOGRAPHICS_TOP_N = 45;

/**
 * Scope values of Business Login for Instagram (the `business_*` values were retired on 2025-01-27).
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
 */
export const SCOPES: readonly string[] = [
  'instagram_business_basic',
  'instagram_business_manage_insights',
  'instagram_business_manage_messages',
  'instagram_business_manage_comments',
  'instagram_business_content_publish',
];

/**
 * Webhook fields of the Instagram API with Instagram Login and the permission each needs besides
 * `instagram_business_basic` (required for all). `mentions` is "included in the comments" permission.
 * https://developers.facebook.com/documentation/instagram-platform/webhooks/fields
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/webhooks
 */
export const WEBHOOK_FIELD_PERMISSIONS: Readonly<Record<string, string>> = {
  comments: 'instagram_business_manage_comments',
  live_comments: 'instagram_business_manage_comments',
  mentions: 'instagram_business_manage_comments',
  messages: 'instagram_business_manage_messages',
  message_reactions: 'instagram_business_manage_messages',
  messaging_postbacks: 'instagram_business_manage_messages',
  messaging_referral: 'instagram_business_manage_messages',
  messaging_seen: 'instagram_business_manage_messages',
  message_edit: 'instagram_business_manage_messages',
};
export const WEBHOOK_BASIC_PERMISSION = 'instagram_business_basic';

/**
 * Webhook deliveries: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`; the body's `entry.id`
 * is the Instagram professional account id (the `user_id` of `GET /me?fields=user_id`).
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/webhooks
 */
export const SIGNATURE_HEADER = 'x-hub-signature-256';
export const LEGACY_SIGNATURE_HEADER = 'x-hub-signature';
