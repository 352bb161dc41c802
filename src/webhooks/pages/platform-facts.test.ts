import type { DailyInsightRow } from './dashboard-reader';
import { audienceBars, missingFeatures, postEngagement, postUrl, trendsOf } from './platform-facts';

describe('postUrl', () => {
  test('Instagram permalink, X status URL, TikTok share_url or the @username URL', () => {
    expect(
      postUrl('instagram', { id: '1789', attributes: { permalink: 'https://www.instagram.com/p/abc/' } }),
    ).toBe('https://www.instagram.com/p/abc/');
    expect(postUrl('instagram', { id: '1789', attributes: {} })).toBeUndefined();
    expect(postUrl('twitter', { id: '1860', attributes: {} })).toBe('https://x.com/i/web/status/1860');
    expect(
      postUrl('tiktok', { id: '7', attributes: { shareUrl: 'https://www.tiktok.com/@a/video/7' } }),
    ).toBe('https://www.tiktok.com/@a/video/7');
    expect(postUrl('tiktok', { id: '7', attributes: {} }, 'dancer')).toBe(
      'https://www.tiktok.com/@dancer/video/7',
    );
    expect(postUrl('tiktok', { id: '7', attributes: {} })).toBeUndefined();
  });

  test('a stored link that is not http(s) is never used', () => {
    expect(
      postUrl('instagram', { id: '1', attributes: { permalink: 'javascript:alert(1)' } }),
    ).toBeUndefined();
    expect(postUrl('tiktok', { id: '1', attributes: { shareUrl: 'data:text/html,x' } }, 'u')).toBe(
      'https://www.tiktok.com/@u/video/1',
    );
  });
});

describe('postEngagement', () => {
  test('interactions in order, views from the first stored views metric, the rate', () => {
    const e = postEngagement({ kind: 'posts', metrics: { likes: 30, comments: 5, saves: 5, reach: 400 } });
    expect(e.segments).toEqual([
      { name: 'likes', value: 30 },
      { name: 'comments', value: 5 },
      { name: 'saves', value: 5 },
    ]);
    expect(e.interactions).toBe(40);
    expect(e.views).toEqual({ metric: 'reach', value: 400 });
    expect(e.rate).toBeCloseTo(0.1);
  });

  test('X: reposts and impressions; no views means no rate; zero views no division', () => {
    const x = postEngagement({ kind: 'tweets', metrics: { likes: 1, retweets: 2 } });
    expect(x.segments.map((s) => s.name)).toEqual(['likes', 'reposts']);
    expect(x.views).toBeUndefined();
    expect(x.rate).toBeUndefined();
    expect(postEngagement({ kind: 'videos', metrics: { likes: 1, views: 0 } }).rate).toBeUndefined();
  });
});

describe('trendsOf', () => {
  test('followers where stored, else net follows; reach and views series', () => {
    const days: DailyInsightRow[] = [
      { date: '2026-12-01', metrics: { reach: 10, views: 20, follows_and_unfollows: 3 } },
      { date: '2026-12-02', metrics: { reach: 12 } },
    ];
    const t = trendsOf(days);
    expect(t.followers.title).toBe('Follows and unfollows per day');
    expect(t.followers.series[0]!.points).toEqual([{ date: '2026-12-01', value: 3 }]);
    expect(t.reach.series.map((s) => [s.name, s.points.length])).toEqual([
      ['reach', 2],
      ['views', 1],
    ]);
    const withFollowers = trendsOf([
      { date: '2026-12-01', metrics: { followers: 5, follows_and_unfollows: 1 } },
    ]);
    expect(withFollowers.followers.title).toBe('Followers');
    expect(trendsOf([]).followers.series).toEqual([]);
    expect(trendsOf([]).reach.series).toEqual([]);
  });
});

describe('audienceBars and missingFeatures', () => {
  test('ages by label, the rest largest first, top N of countries and cities', () => {
    const bars = audienceBars(
      {
        age: { '25-34': 5, '18-24': 9 },
        country: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`C${i}`, i])),
      },
      10,
    );
    expect(bars.map((b) => b.dimension)).toEqual(['age', 'country']);
    expect(bars[0]!.rows.map((r) => r.label)).toEqual(['18-24', '25-34']);
    expect(bars[1]!.rows).toHaveLength(10);
    expect(bars[1]!.rows[0]).toEqual({ label: 'C14', value: 14 });
    expect(bars[0]!.unit).toBe('followers');
    expect(audienceBars(undefined)).toEqual([]);
    // TikTok's shares of followers are drawn as percentages.
    const tiktok = audienceBars({ gender: { female: 0.62, male: 0.35, other: 0.03 } });
    expect(tiktok[0]!.unit).toBe('% of followers');
    expect(tiktok[0]!.rows).toEqual([
      { label: 'female', value: 62 },
      { label: 'male', value: 35 },
      { label: 'other', value: 3 },
    ]);
  });

  test('what each platform has no API for, minus what is stored', () => {
    expect(missingFeatures('twitter', { audience: false, daily: false }).map((m) => m.feature)).toEqual([
      'Daily account metrics (reach, impressions, followers per day)',
      'Audience demographics',
    ]);
    const tiktok = missingFeatures('tiktok', { audience: true, daily: false }).map((m) => m.feature);
    expect(tiktok).toContain('Trending sounds');
    expect(tiktok).not.toContain('Audience demographics');
  });
});
