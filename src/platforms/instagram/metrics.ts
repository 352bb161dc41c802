/**
 * Instagram's metric catalogue as the connector understands it
 * (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights and
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-user/insights). The sandbox keeps its
 * own copy (src/sandbox/instagram/facts.ts) on purpose, so a mistake here is caught rather than confirmed. One
 * unsupported metric fails a whole Graph request, so every request is built from these sets only.
 */

/** Valid `/{media-id}/insights` metrics per product type. */
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

/** Dead for every Graph version since 2025-04-21: never requested, rejected by the sandbox. */
export const DEAD_MEDIA_METRICS = [
  'plays',
  'clips_replays_count',
  'ig_reels_aggregated_all_plays_count',
  'impressions',
  'video_views',
] as const;

/**
 * Metrics the connector reads inline on the media edge. The edge only holds FEED and REELS media, and this set is
 * valid for both, so one call per page normally suffices.
 */
export const POST_EXPANSION_METRICS = ['reach', 'saved', 'shares', 'views'] as const;

/** Metrics the connector reads for a story (navigation is asked separately, with its breakdown). */
export const STORY_EXPANSION_METRICS = ['reach', 'replies', 'shares', 'views'] as const;

export const STORY_NAVIGATION_BREAKDOWN = 'story_navigation_action_type';
export const STORY_NAVIGATION_ACTIONS = ['tap_forward', 'tap_back', 'tap_exit', 'swipe_forward'] as const;

/** Account-level day metrics (`impressions` is dead; `follower_count` is unconfirmed, so it is not asked). */
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

/** Account metrics that also accept `metric_type=time_series`. */
export const TIME_SERIES_METRICS: readonly string[] = ['reach'];

export const DEMOGRAPHIC_METRICS = ['follower_demographics', 'engaged_audience_demographics'] as const;
export const DEMOGRAPHIC_BREAKDOWNS = ['age', 'gender', 'country', 'city'] as const;
export type DemographicBreakdown = (typeof DEMOGRAPHIC_BREAKDOWNS)[number];
/** Demographics need at least this many followers; the platform answers only the top 45 entries. */
export const DEMOGRAPHICS_MIN_FOLLOWERS = 100;
export const DEMOGRAPHICS_TOP_N = 45;

/**
 * Raw Instagram metric name → normalized metric name of the contract (docs/contract.md): `saved` → `saves`,
 * counts → likes/comments.
 */
export const MEDIA_METRIC_TO_NORMALIZED: Record<string, string> = {
  like_count: 'likes',
  comments_count: 'comments',
  reach: 'reach',
  saved: 'saves',
  shares: 'shares',
  views: 'views',
  replies: 'replies',
  navigation: 'navigation',
};
