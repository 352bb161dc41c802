/**
 * What the dashboard needs to know per platform to draw a connection: where a post lives on the platform, which
 * stored metrics make up a post's engagement and its views, which daily metrics make the trends, and what the
 * platform has no API for. Pure data and functions.
 */
import type { Audience } from '../../platforms/types';
import type { ItemKind, PlatformId } from '../../domain';
import type { DailyInsightRow, RecentItem } from './dashboard-reader';

/**
 * The post on the platform, or undefined when no link can be made:
 * - Instagram: the media's `permalink` (stored as an attribute); the media id is not the URL's shortcode.
 * - X: `https://x.com/i/web/status/{id}` works without the author's handle.
 * - TikTok: the video's `share_url` (Display API video object), else `https://www.tiktok.com/@{username}/video/{id}`.
 * Only http(s) links from stored data are used, so a stored `javascript:` URL never becomes a link.
 */
export function postUrl(
  platform: PlatformId,
  item: Pick<RecentItem, 'id' | 'attributes'>,
  username?: string,
): string | undefined {
  const stored = (name: string) => {
    const value = item.attributes[name];
    return typeof value === 'string' && /^https?:\/\//i.test(value) ? value : undefined;
  };
  const id = encodeURIComponent(item.id);
  switch (platform) {
    case 'instagram':
      return stored('permalink');
    case 'twitter':
      return `https://x.com/i/web/status/${id}`;
    case 'tiktok':
      return (
        stored('shareUrl') ??
        (username ? `https://www.tiktok.com/@${encodeURIComponent(username)}/video/${id}` : undefined)
      );
  }
}

/** A post's interactions, stacked in this order, and the metric its views come from. */
export interface EngagementMetrics {
  interactions: { metric: string; label: string }[];
  views: string[];
}

export const ENGAGEMENT: Record<ItemKind, EngagementMetrics> = {
  posts: {
    interactions: [
      { metric: 'likes', label: 'likes' },
      { metric: 'comments', label: 'comments' },
      { metric: 'shares', label: 'shares' },
      { metric: 'saves', label: 'saves' },
    ],
    views: ['views', 'reach'],
  },
  stories: {
    interactions: [
      { metric: 'replies', label: 'replies' },
      { metric: 'shares', label: 'shares' },
    ],
    views: ['views', 'reach'],
  },
  tweets: {
    interactions: [
      { metric: 'likes', label: 'likes' },
      { metric: 'replies', label: 'replies' },
      { metric: 'retweets', label: 'reposts' },
      { metric: 'quotes', label: 'quotes' },
      { metric: 'bookmarks', label: 'bookmarks' },
    ],
    views: ['impressions'],
  },
  videos: {
    interactions: [
      { metric: 'likes', label: 'likes' },
      { metric: 'comments', label: 'comments' },
      { metric: 'shares', label: 'shares' },
    ],
    views: ['views'],
  },
};

export interface PostEngagement {
  segments: { name: string; value: number }[];
  interactions: number;
  views?: { metric: string; value: number };
  /** interactions / views, when views are known and positive. */
  rate?: number;
}

/** A metric the platform did not return is absent (never 0): it is left out of the bar, not drawn as zero. */
export function postEngagement(item: Pick<RecentItem, 'kind' | 'metrics'>): PostEngagement {
  const spec = ENGAGEMENT[item.kind];
  const segments = spec.interactions
    .filter((i) => item.metrics[i.metric] !== undefined)
    .map((i) => ({ name: i.label, value: item.metrics[i.metric]! }));
  const interactions = segments.reduce((n, s) => n + s.value, 0);
  const viewsMetric = spec.views.find((m) => item.metrics[m] !== undefined);
  const views = viewsMetric ? { metric: viewsMetric, value: item.metrics[viewsMetric]! } : undefined;
  return {
    segments,
    interactions,
    ...(views ? { views } : {}),
    ...(views && views.value > 0 ? { rate: interactions / views.value } : {}),
  };
}

/** Daily metric names that count followers (the first one stored wins). */
const FOLLOWER_METRICS = ['followers', 'follower_count', 'followers_count'];
/** Net daily follows where no follower count per day is stored (Instagram). */
const FOLLOW_CHANGE_METRICS = ['follows_and_unfollows'];
/** Daily reach and views, in drawing order. */
const REACH_METRICS: { metric: string; label: string }[] = [
  { metric: 'reach', label: 'reach' },
  { metric: 'views', label: 'views' },
  { metric: 'video_views', label: 'video views' },
  { metric: 'profile_views', label: 'profile views' },
  { metric: 'impressions', label: 'impressions' },
];

export interface TrendSeries {
  name: string;
  points: { date: string; value: number }[];
}

export interface Trends {
  followers: { title: string; unit: string; series: TrendSeries[] };
  reach: { title: string; unit: string; series: TrendSeries[] };
}

const seriesOf = (days: DailyInsightRow[], metric: string, name: string): TrendSeries => ({
  name,
  points: days.flatMap((d) =>
    d.metrics[metric] === undefined ? [] : [{ date: d.date, value: d.metrics[metric]! }],
  ),
});

/** The trend charts from the stored days: followers (or net follows), and reach/views; empty series are dropped. */
export function trendsOf(days: DailyInsightRow[]): Trends {
  const followerMetric = FOLLOWER_METRICS.find((m) => days.some((d) => d.metrics[m] !== undefined));
  const changeMetric = FOLLOW_CHANGE_METRICS.find((m) => days.some((d) => d.metrics[m] !== undefined));
  const followers = followerMetric
    ? { title: 'Followers', unit: 'followers', series: [seriesOf(days, followerMetric, 'followers')] }
    : changeMetric
      ? {
          title: 'Follows and unfollows per day',
          unit: 'accounts',
          series: [seriesOf(days, changeMetric, 'follows and unfollows')],
        }
      : { title: 'Followers', unit: 'followers', series: [] };
  const reach = REACH_METRICS.map((r) => seriesOf(days, r.metric, r.label)).filter(
    (s) => s.points.length > 0,
  );
  return {
    followers,
    reach: {
      title: reach.length === 1 ? `${reach[0]!.name} per day` : 'Reach and views per day',
      unit: 'accounts / views',
      series: reach,
    },
  };
}

/**
 * Audience breakdowns as bars: largest first (ages by label), the top `top` of countries and cities. Instagram
 * stores counts of followers; TikTok (Business API) shares of followers between 0 and 1, which are shown as
 * percentages.
 */
export function audienceBars(
  audience: Audience | undefined,
  top = 10,
): { dimension: keyof Audience; title: string; unit: string; rows: { label: string; value: number }[] }[] {
  const dims: { dimension: keyof Audience; title: string; sortByLabel: boolean; limit?: number }[] = [
    { dimension: 'age', title: 'Age', sortByLabel: true },
    { dimension: 'gender', title: 'Gender', sortByLabel: false },
    { dimension: 'country', title: 'Top countries', sortByLabel: false, limit: top },
    { dimension: 'city', title: 'Top cities', sortByLabel: false, limit: top },
  ];
  return dims.flatMap(({ dimension, title, sortByLabel, limit }) => {
    const values = audience?.[dimension];
    if (!values) return [];
    const rows = Object.entries(values)
      .filter(([, v]) => Number.isFinite(v))
      .map(([label, value]) => ({ label, value }))
      .sort((a, b) => (sortByLabel ? a.label.localeCompare(b.label) : b.value - a.value))
      .slice(0, limit);
    const shares =
      Object.values(values).every((v) => v >= 0 && v <= 1) &&
      Object.values(values).some((v) => v > 0 && v < 1);
    const shown = shares ? rows.map((r) => ({ ...r, value: Math.round(r.value * 1000) / 10 })) : rows;
    return rows.length > 0
      ? [{ dimension, title, unit: shares ? '% of followers' : 'followers', rows: shown }]
      : [];
  });
}

/** What the platform offers no API for (or what this connector deliberately does not read), and why. */
export function missingFeatures(
  platform: PlatformId,
  stored: { audience: boolean; daily: boolean },
): { feature: string; reason: string }[] {
  const out: { feature: string; reason: string }[] = [];
  switch (platform) {
    case 'instagram':
      out.push({
        feature: 'Followers per day',
        reason:
          'not read: the follower_count day metric is not confirmed for the Instagram API with Instagram Login; the trend shows daily follows and unfollows instead',
      });
      break;
    case 'twitter':
      if (!stored.daily)
        out.push({
          feature: 'Daily account metrics (reach, impressions, followers per day)',
          reason: 'X API v2 has no account insights endpoint',
        });
      if (!stored.audience)
        out.push({ feature: 'Audience demographics', reason: 'X API v2 has no audience endpoint' });
      break;
    case 'tiktok':
      if (!stored.daily)
        out.push({
          feature: 'Daily account metrics',
          reason:
            'the Display API returns current totals only; daily history needs the TikTok API for Business authorization',
        });
      if (!stored.audience)
        out.push({
          feature: 'Audience demographics',
          reason: 'need the separate TikTok Business API authorization',
        });
      out.push({ feature: 'Trending sounds', reason: 'TikTok has no public endpoint for them' });
      break;
  }
  return out;
}
