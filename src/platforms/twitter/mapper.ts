/**
 * Pure functions from X API v2 shapes to socialsync's normalized records. A metric X did not return stays
 * absent (never 0): the sink must not overwrite a known value with a made-up zero.
 */
import type { Item, Profile } from '../types';
import type { Tweet, User } from './schemas';

type TweetMetricName = 'impressions' | 'likes' | 'retweets' | 'replies' | 'quotes' | 'bookmarks';

/** Only the metric names of docs/contract.md for tweets; undefined values are dropped, not zeroed. */
export function tweetMetrics(
  tweet: Pick<Tweet, 'public_metrics' | 'non_public_metrics' | 'organic_metrics'>,
) {
  const pub = tweet.public_metrics;
  const metrics: Partial<Record<TweetMetricName, number>> = {
    // Non-public impressions are authoritative for the author's recent posts; for older posts (or when X left
    // them out) public_metrics.impression_count is the same number, so impressions are never lost.
    impressions: tweet.non_public_metrics?.impression_count ?? pub?.impression_count,
    likes: pub?.like_count,
    retweets: pub?.retweet_count,
    replies: pub?.reply_count,
    quotes: pub?.quote_count,
    bookmarks: pub?.bookmark_count,
  };
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(metrics)) if (value !== undefined) out[name] = value;
  return out;
}

/** ISO instant with milliseconds (`2026-03-01T10:00:00.000Z`), whatever offset X sent. */
function isoInstant(value: string): string {
  return new Date(value).toISOString();
}

/** Creation time of a snowflake id (ms since epoch): X ids carry their timestamp in the high bits. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + 1_288_834_974_657;
}

export function mapTweet(tweet: Tweet): Item {
  return {
    kind: 'tweets',
    id: tweet.id,
    // created_at is always requested; the snowflake fallback keeps a tweet whose created_at went missing.
    createdAt: isoInstant(tweet.created_at ?? new Date(snowflakeTime(tweet.id)).toISOString()),
    text: tweet.text,
    metrics: tweetMetrics(tweet),
  };
}

export function mapProfile(user: User): Profile {
  const metrics = user.public_metrics;
  const profile: Profile = { username: user.username, displayName: user.name === '' ? null : user.name };
  if (metrics?.followers_count !== undefined) profile.followers = metrics.followers_count;
  if (metrics?.following_count !== undefined) profile.following = metrics.following_count;
  if (metrics?.tweet_count !== undefined) profile.postCount = metrics.tweet_count;
  return profile;
}
