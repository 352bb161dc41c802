import { Item, Profile } from '../types';
import { mapProfile, mapTweet, snowflakeTime, tweetMetrics } from './mapper';
import { Tweet, User } from './schemas';

const recentTweet = Tweet.parse({
  id: '1880000000000000000',
  text: 'Shipping the new release today',
  edit_history_tweet_ids: ['1880000000000000000'],
  created_at: '2026-03-01T10:00:00.000Z',
  public_metrics: {
    retweet_count: 4,
    reply_count: 2,
    like_count: 31,
    quote_count: 1,
    bookmark_count: 3,
    impression_count: 1200,
  },
  non_public_metrics: { impression_count: 1250, url_link_clicks: 7, user_profile_clicks: 3, engagements: 47 },
  organic_metrics: {
    impression_count: 1250,
    like_count: 31,
    reply_count: 2,
    retweet_count: 4,
    url_link_clicks: 7,
    user_profile_clicks: 3,
  },
});

describe('mapTweet', () => {
  it('maps a recent own post with every metric name of docs/contract.md, impressions from non_public_metrics', () => {
    const item = mapTweet(recentTweet);
    expect(Item.parse(item)).toEqual(item);
    expect(item).toEqual({
      kind: 'tweets',
      id: '1880000000000000000',
      createdAt: '2026-03-01T10:00:00.000Z',
      text: 'Shipping the new release today',
      metrics: { impressions: 1250, likes: 31, retweets: 4, replies: 2, quotes: 1, bookmarks: 3 },
    });
  });

  it('falls back to public impression_count when non-public metrics are absent (older posts)', () => {
    const { non_public_metrics: _n, organic_metrics: _o, ...older } = recentTweet;
    expect(mapTweet(older).metrics.impressions).toBe(1200);
  });

  it('leaves metrics X did not return absent, never 0', () => {
    const item = mapTweet({
      id: '1880000000000000001',
      text: '',
      created_at: '2026-03-01T10:00:00Z',
      public_metrics: { like_count: 0 },
    });
    expect(item.metrics).toEqual({ likes: 0 });
    expect(tweetMetrics({})).toEqual({});
  });

  it('normalizes created_at to an ISO instant and falls back to the snowflake time when it is missing', () => {
    expect(mapTweet({ ...recentTweet, created_at: '2026-03-01T10:00:00Z' }).createdAt).toBe(
      '2026-03-01T10:00:00.000Z',
    );
    const noDate = mapTweet({ id: recentTweet.id, text: 'x' });
    expect(noDate.createdAt).toBe(new Date(snowflakeTime(recentTweet.id)).toISOString());
  });
});

describe('snowflakeTime', () => {
  it('reads the creation time from a real X id', () => {
    // 1212092628029698048 is a post from 2019-12-31 (X's snowflake documentation example range).
    expect(new Date(snowflakeTime('1212092628029698048')).toISOString().slice(0, 10)).toBe('2019-12-31');
  });
});

describe('mapProfile', () => {
  it('maps users/me with public metrics', () => {
    const user = User.parse({
      id: '2244994945',
      name: 'Developers',
      username: 'XDevelopers',
      created_at: '2013-12-14T04:35:55.000Z',
      public_metrics: { followers_count: 583, following_count: 2, tweet_count: 3700, listed_count: 12 },
    });
    const profile = mapProfile(user);
    expect(Profile.parse(profile)).toEqual(profile);
    expect(profile).toEqual({
      username: 'XDevelopers',
      displayName: 'Developers',
      followers: 583,
      following: 2,
      postCount: 3700,
    });
  });

  it('omits counts when public_metrics was not returned and maps an empty name to null', () => {
    expect(mapProfile({ id: '1', name: '', username: 'x' })).toEqual({ username: 'x', displayName: null });
  });
});
