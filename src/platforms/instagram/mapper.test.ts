import { Item } from '../types';
import { parseJsonLossless } from '../http';
import {
  insightValue,
  isoInstant,
  mapAudience,
  mapDailyInsight,
  mapMedia,
  mapProfile,
  mapTimeSeries,
  MappingError,
} from './mapper';
import { InsightsResponse, MediaPage, MeResponse, ShortLivedTokenResponse } from './schemas';

// Fixtures shaped like real Graph API answers (docs/instagram.md).
const mediaPage = MediaPage.parse({
  data: [
    {
      id: '18077014438321923',
      caption: 'Sunset over the bay #travel',
      media_type: 'IMAGE',
      media_product_type: 'FEED',
      permalink: 'https://www.instagram.com/p/C7abc123xyz/',
      timestamp: '2026-05-01T12:30:00+0000',
      like_count: 412,
      comments_count: 17,
      insights: {
        data: [
          {
            name: 'reach',
            period: 'lifetime',
            values: [{ value: 5230 }],
            title: 'Accounts reached',
            id: '18077014438321923/insights/reach/lifetime',
          },
          {
            name: 'saved',
            period: 'lifetime',
            values: [{ value: 88 }],
            id: '18077014438321923/insights/saved/lifetime',
          },
          {
            name: 'shares',
            period: 'lifetime',
            values: [{ value: 0 }],
            id: '18077014438321923/insights/shares/lifetime',
          },
          {
            name: 'views',
            period: 'lifetime',
            values: [{ value: 9100 }],
            id: '18077014438321923/insights/views/lifetime',
          },
        ],
      },
    },
    // A post made before the account turned professional: no insights, no caption.
    {
      id: '17900000000000001',
      media_type: 'VIDEO',
      media_product_type: 'REELS',
      timestamp: '2023-01-02T00:00:00+0000',
      like_count: 3,
      comments_count: 0,
    },
  ],
  paging: {
    cursors: { before: 'QVFIUa', after: 'QVFIUb' },
    next: 'https://graph.instagram.com/v23.0/1/media?after=QVFIUb',
  },
});

describe('mapMedia', () => {
  it('maps a post with inline insights to the DESIGN metric names, keeping real zeros', () => {
    const item = mapMedia('posts', mediaPage.data[0]!);
    expect(Item.parse(item)).toEqual(item);
    expect(item).toEqual({
      kind: 'posts',
      id: '18077014438321923',
      createdAt: '2026-05-01T12:30:00.000Z',
      text: 'Sunset over the bay #travel',
      metrics: { likes: 412, comments: 17, reach: 5230, saves: 88, shares: 0, views: 9100 },
      attributes: {
        mediaType: 'IMAGE',
        mediaProductType: 'FEED',
        permalink: 'https://www.instagram.com/p/C7abc123xyz/',
      },
    });
  });

  it('leaves metrics the platform did not return absent, and a missing caption null', () => {
    const item = mapMedia('posts', mediaPage.data[1]!);
    expect(item.metrics).toEqual({ likes: 3, comments: 0 });
    expect(item.metrics).not.toHaveProperty('reach');
    expect(item.text).toBeNull();
  });

  it('maps a story with separately fetched insights and the navigation breakdown', () => {
    const navigation = InsightsResponse.parse({
      data: [
        {
          name: 'navigation',
          period: 'lifetime',
          total_value: {
            value: 90,
            breakdowns: [
              {
                dimension_keys: ['story_navigation_action_type'],
                results: [
                  { dimension_values: ['tap_forward'], value: 60 },
                  { dimension_values: ['tap_back'], value: 10 },
                  { dimension_values: ['tap_exit'], value: 15 },
                  { dimension_values: ['swipe_forward'], value: 5 },
                ],
              },
            ],
          },
        },
        { name: 'replies', period: 'lifetime', values: [{ value: 2 }] },
      ],
    }).data;
    const item = mapMedia(
      'stories',
      { id: '17', media_product_type: 'STORY', timestamp: '2026-05-01T08:00:00+0000' },
      navigation,
    );
    expect(item.metrics).toEqual({ navigation: 90, replies: 2 });
    expect(item.attributes).toMatchObject({ navigation_tap_forward: 60, navigation_swipe_forward: 5 });
  });

  it('refuses a media without timestamp rather than inventing one', () => {
    expect(() => mapMedia('posts', { id: '1' })).toThrow(MappingError);
  });
});

describe('account insights', () => {
  it('turns an empty answer into no DailyInsight (absent, not zeros)', () => {
    expect(mapDailyInsight('2026-05-01', [])).toBeUndefined();
  });

  it('keeps each total_value, including a real 0', () => {
    const data = InsightsResponse.parse({
      data: [
        { name: 'reach', period: 'day', total_value: { value: 1200 }, id: '1/insights/reach/day' },
        {
          name: 'profile_links_taps',
          period: 'day',
          total_value: { value: 0 },
          id: '1/insights/profile_links_taps/day',
        },
      ],
    }).data;
    expect(mapDailyInsight('2026-05-01', data)).toEqual({
      date: '2026-05-01',
      metrics: { reach: 1200, profile_links_taps: 0 },
    });
  });

  it('splits a time series into UTC days by end_time', () => {
    const data = InsightsResponse.parse({
      data: [
        {
          name: 'reach',
          period: 'day',
          values: [
            { value: 10, end_time: '2026-05-02T00:00:00+0000' },
            { value: 12, end_time: '2026-05-03T00:00:00+0000' },
          ],
        },
      ],
    }).data;
    expect(mapTimeSeries(data)).toEqual([
      { date: '2026-05-01', metrics: { reach: 10 } },
      { date: '2026-05-02', metrics: { reach: 12 } },
    ]);
  });

  it('reads demographics from total_value.breakdowns[0].results and skips empty breakdowns', () => {
    const entries = (results: { dimension_values: string[]; value: number }[]) =>
      InsightsResponse.parse({
        data: [
          {
            name: 'follower_demographics',
            period: 'lifetime',
            total_value: { breakdowns: [{ dimension_keys: ['x'], results }] },
          },
        ],
      }).data;
    expect(
      mapAudience({
        age: entries([
          { dimension_values: ['18-24'], value: 120 },
          { dimension_values: ['25-34'], value: 300 },
        ]),
        city: entries([]),
      }),
    ).toEqual({ age: { '18-24': 120, '25-34': 300 } });
    expect(mapAudience({})).toBeUndefined();
  });

  it('insightValue prefers total_value, then values, then the breakdown sum', () => {
    expect(insightValue({ name: 'a', period: 'day', total_value: { value: 5 } })).toBe(5);
    expect(insightValue({ name: 'a', period: 'lifetime', values: [{ value: 7 }] })).toBe(7);
    expect(insightValue({ name: 'a', period: 'lifetime' })).toBeUndefined();
  });
});

describe('profile and tokens', () => {
  it('maps /me, with a missing name as null and missing counts absent', () => {
    expect(mapProfile(MeResponse.parse({ user_id: '1784', username: 'shop', followers_count: 0 }))).toEqual({
      username: 'shop',
      displayName: null,
      followers: 0,
    });
    expect(() => mapProfile({})).toThrow(MappingError);
  });

  it('accepts both the data[] and the older flat code-exchange answers, keeping big user ids exact', () => {
    const current = ShortLivedTokenResponse.parse({
      data: [{ access_token: 'IGAAx', user_id: '17841405793187218', permissions: 'a,b' }],
    });
    expect(current).toEqual({ access_token: 'IGAAx', user_id: '17841405793187218', permissions: 'a,b' });
    const legacy = ShortLivedTokenResponse.parse(
      parseJsonLossless('{"access_token":"IGQVJ","user_id":17841405793187218}'),
    );
    expect(legacy.user_id).toBe('17841405793187218');
  });

  it('normalizes Meta timestamps to ISO', () => {
    expect(isoInstant('2026-05-01T12:00:00+0000')).toBe('2026-05-01T12:00:00.000Z');
    expect(isoInstant('2026-05-01T14:00:00+0200')).toBe('2026-05-01T12:00:00.000Z');
  });
});
