/**
 * Pure functions from TikTok's raw shapes to socialsync's normalized records. A value TikTok did not return stays
 * absent (never 0): an omitted `view_count` means "unknown", not "nobody watched".
 */
import type { Item, Profile } from '../types';
import type { TikTokUser, TikTokVideo } from './schemas';

/** Raw video counter → normalized metric name (METRIC_NAMES.videos). */
const VIDEO_METRICS = {
  view_count: 'views',
  like_count: 'likes',
  comment_count: 'comments',
  share_count: 'shares',
} as const satisfies Partial<Record<keyof TikTokVideo, string>>;

export function mapVideo(video: TikTokVideo): Item {
  if (video.create_time === undefined) {
    // Every request we make asks for create_time; a video without it means the API changed under us.
    throw new TypeError(`video ${video.id} has no create_time`);
  }
  const metrics: Record<string, number> = {};
  for (const [raw, name] of Object.entries(VIDEO_METRICS) as [keyof typeof VIDEO_METRICS, string][]) {
    const value = video[raw];
    if (value !== undefined) metrics[name] = value;
  }
  const attributes: Record<string, string | number> = {};
  if (video.title !== undefined && video.title !== '') attributes.title = video.title;
  if (video.duration !== undefined) attributes.durationSeconds = video.duration;
  if (video.share_url !== undefined && video.share_url !== '') attributes.shareUrl = video.share_url;

  const item: Item = {
    kind: 'videos',
    id: video.id,
    createdAt: new Date(video.create_time * 1000).toISOString(),
    // An empty description is what TikTok sends for a video without one: store null, not "".
    text: video.video_description ? video.video_description : null,
    metrics,
  };
  if (Object.keys(attributes).length > 0) item.attributes = attributes;
  return item;
}

export function mapProfile(user: TikTokUser): Profile {
  const profile: Profile = {
    // `username` needs user.info.profile; without it the display name is the best handle we have.
    username: user.username ?? user.display_name ?? user.open_id ?? '',
    displayName: user.display_name ? user.display_name : null,
  };
  if (user.follower_count !== undefined) profile.followers = user.follower_count;
  if (user.following_count !== undefined) profile.following = user.following_count;
  if (user.video_count !== undefined) profile.postCount = user.video_count;
  return profile;
}

/**
 * Latest account-level counters (the platform document's `insights`). The Display API has no history, so these
 * are today's totals only; there is no per-day series to map.
 */
export function mapAccountInsights(user: TikTokUser): Record<string, number> | undefined {
  const insights: Record<string, number> = {};
  if (user.follower_count !== undefined) insights.followers = user.follower_count;
  if (user.following_count !== undefined) insights.following = user.following_count;
  if (user.likes_count !== undefined) insights.likes = user.likes_count;
  if (user.video_count !== undefined) insights.videos = user.video_count;
  return Object.keys(insights).length > 0 ? insights : undefined;
}
