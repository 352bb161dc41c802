/**
 * Sandbox records → X API v2 JSON, honouring `tweet.fields` / `user.fields` (unrequested fields are absent;
 * `id`, `text`, `edit_history_tweet_ids` for posts and `id`, `name`, `username` for users are X's defaults).
 */
import type { GroundTruthAccount } from '../core/types';
import type { TweetField, UserField } from './facts';
import { metricsAt, type SandboxAccount, type SandboxTweet } from './world';

/** One post in socialsync's normalized Firestore form (docs/contract.md), as the sandbox computes it itself. */
export type GroundTruthTweet = NonNullable<GroundTruthAccount['items']['tweets']>[number];

export function renderTweet(tweet: SandboxTweet, fields: ReadonlySet<TweetField>, now: number) {
  const out: Record<string, unknown> = { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] };
  const m = metricsAt(tweet, now);
  if (fields.has('created_at')) out.created_at = new Date(tweet.createdAt).toISOString();
  if (fields.has('author_id')) out.author_id = tweet.authorId;
  if (fields.has('conversation_id'))
    out.conversation_id = tweet.type === 'reply' ? tweet.referencedId : tweet.id;
  if (fields.has('lang')) out.lang = tweet.lang;
  if (fields.has('in_reply_to_user_id') && tweet.type === 'reply')
    out.in_reply_to_user_id = tweet.otherUserId;
  if (fields.has('referenced_tweets') && tweet.referencedId) {
    out.referenced_tweets = [
      { type: tweet.type === 'reply' ? 'replied_to' : 'retweeted', id: tweet.referencedId },
    ];
  }
  if (fields.has('public_metrics')) {
    out.public_metrics = {
      retweet_count: m.retweets,
      reply_count: m.replies,
      like_count: m.likes,
      quote_count: m.quotes,
      bookmark_count: m.bookmarks,
      impression_count: m.impressions,
    };
  }
  if (fields.has('non_public_metrics')) {
    out.non_public_metrics = {
      impression_count: m.impressions,
      url_link_clicks: m.urlLinkClicks,
      user_profile_clicks: m.profileClicks,
      engagements:
        m.likes + m.retweets + m.replies + m.quotes + m.bookmarks + m.urlLinkClicks + m.profileClicks,
    };
  }
  if (fields.has('organic_metrics')) {
    out.organic_metrics = {
      impression_count: m.impressions,
      like_count: m.likes,
      reply_count: m.replies,
      retweet_count: m.retweets,
      url_link_clicks: m.urlLinkClicks,
      user_profile_clicks: m.profileClicks,
    };
  }
  return out;
}

export function renderUser(account: SandboxAccount, fields: ReadonlySet<UserField>) {
  const out: Record<string, unknown> = { id: account.id, name: account.name, username: account.username };
  if (fields.has('created_at')) out.created_at = new Date(account.createdAt).toISOString();
  if (fields.has('description')) out.description = account.description;
  if (fields.has('location')) out.location = '';
  if (fields.has('profile_image_url')) {
    out.profile_image_url = `https://pbs.twimg.com/profile_images/${account.id}/avatar_normal.jpg`;
  }
  if (fields.has('protected')) out.protected = false;
  if (fields.has('url')) out.url = '';
  if (fields.has('verified')) out.verified = false;
  if (fields.has('public_metrics')) {
    out.public_metrics = {
      followers_count: account.followers,
      following_count: account.following,
      tweet_count: account.tweets.length,
      listed_count: account.listed,
    };
  }
  return out;
}

/** The sandbox's own normalized form of a post (written independently of the connector's mapper on purpose). */
export function groundTruthItem(tweet: SandboxTweet, now: number): GroundTruthTweet {
  const m = metricsAt(tweet, now);
  return {
    kind: 'tweets',
    id: tweet.id,
    createdAt: new Date(tweet.createdAt).toISOString(),
    text: tweet.text,
    metrics: {
      impressions: m.impressions,
      likes: m.likes,
      retweets: m.retweets,
      replies: m.replies,
      quotes: m.quotes,
      bookmarks: m.bookmarks,
    },
  };
}
