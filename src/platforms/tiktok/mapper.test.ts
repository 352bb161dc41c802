import { Item } from '../types';
import { mapAccountInsights, mapProfile, mapVideo } from './mapper';
import { TikTokUser, TikTokVideo } from './schemas';

// Shaped like a real `video/list` entry (fields from the Display API reference, docs/tiktok.md).
const fullVideo = TikTokVideo.parse({
  id: '7349562378412043562',
  create_time: 1710835200,
  title: 'Sunday pasta',
  video_description: 'cacio e pepe in 60 seconds #food #fyp',
  duration: 58,
  share_url: 'https://www.tiktok.com/@cook.lab/video/7349562378412043562',
  view_count: 48213,
  like_count: 5120,
  comment_count: 87,
  share_count: 41,
});

describe('mapVideo', () => {
  it('maps a full video to the normalized item with the metric names of docs/contract.md', () => {
    const item = mapVideo(fullVideo);
    expect(Item.parse(item)).toEqual(item);
    expect(item).toEqual({
      kind: 'videos',
      id: '7349562378412043562',
      createdAt: '2024-03-19T08:00:00.000Z',
      text: 'cacio e pepe in 60 seconds #food #fyp',
      metrics: { views: 48213, likes: 5120, comments: 87, shares: 41 },
      attributes: {
        title: 'Sunday pasta',
        durationSeconds: 58,
        shareUrl: 'https://www.tiktok.com/@cook.lab/video/7349562378412043562',
      },
    });
  });

  it('leaves metrics TikTok did not return absent, and keeps real zeros', () => {
    const item = mapVideo({ id: '7', create_time: 1700000000, view_count: 0, like_count: 3 });
    expect(item.metrics).toEqual({ views: 0, likes: 3 });
    expect(item.metrics).not.toHaveProperty('comments');
    expect(item.metrics).not.toHaveProperty('shares');
  });

  it('turns an empty description into null text and drops empty title and url attributes', () => {
    const item = mapVideo({
      id: '8',
      create_time: 1700000000,
      video_description: '',
      title: '',
      share_url: '',
    });
    expect(item.text).toBeNull();
    expect(item).not.toHaveProperty('attributes');
  });

  it('refuses a video without create_time (every request asks for it)', () => {
    expect(() => mapVideo({ id: '9' })).toThrow(/create_time/);
  });
});

describe('mapProfile', () => {
  const user = TikTokUser.parse({
    open_id: '-000abc',
    union_id: 'u-1',
    avatar_url: 'https://p16.example/a.jpeg',
    display_name: 'Cook Lab',
    username: 'cook.lab',
    follower_count: 12000,
    following_count: 80,
    likes_count: 450000,
    video_count: 212,
  });

  it('maps username, display name and counts', () => {
    expect(mapProfile(user)).toEqual({
      username: 'cook.lab',
      displayName: 'Cook Lab',
      followers: 12000,
      following: 80,
      postCount: 212,
    });
  });

  it('without user.info.stats the counts are absent, not 0', () => {
    const profile = mapProfile({ open_id: '-000abc', display_name: 'Cook Lab', username: 'cook.lab' });
    expect(profile).toEqual({ username: 'cook.lab', displayName: 'Cook Lab' });
  });

  it('falls back to the display name when username (user.info.profile) is missing; empty display name is null', () => {
    expect(mapProfile({ open_id: '-000abc', display_name: 'Cook Lab' }).username).toBe('Cook Lab');
    expect(mapProfile({ open_id: '-000abc', display_name: '', username: 'x' }).displayName).toBeNull();
  });
});

describe('mapAccountInsights', () => {
  it('gives the latest totals and nothing when no counter came back', () => {
    expect(
      mapAccountInsights({ follower_count: 5, following_count: 0, likes_count: 9, video_count: 2 }),
    ).toEqual({
      followers: 5,
      following: 0,
      likes: 9,
      videos: 2,
    });
    expect(mapAccountInsights({ open_id: 'x' })).toBeUndefined();
  });
});
