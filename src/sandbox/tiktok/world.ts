/**
 * The sandbox's TikTok world: seeded accounts with hundreds of videos whose counters grow with simulated time.
 * Counters are a pure function of (video, clock) unless a control edit pinned them, so the same seed at the same
 * clock always gives the same numbers, and advancing the clock makes older videos gain views like real ones.
 */
import { Random } from '../core/random';
import type { SandboxClock } from '../core/clock';
import type { GroundTruthItem as Item, GroundTruthProfile as Profile } from '../core/types';

export type VideoCounter = 'view_count' | 'like_count' | 'comment_count' | 'share_count';

/** Normalized metric name ↔ TikTok counter (DESIGN.md metric names for videos). */
export const METRIC_TO_COUNTER: Record<string, VideoCounter> = {
  views: 'view_count',
  likes: 'like_count',
  comments: 'comment_count',
  shares: 'share_count',
};

export interface SandboxVideo {
  id: string;
  /** Unix seconds; unique within an account so the epoch-ms cursor is unambiguous. */
  createTime: number;
  title: string;
  description: string;
  duration: number;
  width: number;
  height: number;
  /**
   * Private / under review: TikTok skips such videos in `video/list` pages (so pages come back short) and leaves
   * them out of `video/query`. They are not part of the ground truth either.
   */
  hidden: boolean;
  /** Views the video tends to; counters approach it with the half-life below. */
  peakViews: number;
  halfLifeHours: number;
  likeRate: number;
  commentRate: number;
  shareRate: number;
  /** Values pinned by the control API; they win over the growth model. */
  overrides: Partial<Record<VideoCounter, number>>;
}

export interface SandboxAccount {
  openId: string;
  unionId: string;
  username: string;
  displayName: string;
  avatarUrl: string;
  bio: string;
  verified: boolean;
  followersBase: number;
  followerGrowthPerDay: number;
  following: number;
  /** Epoch ms where `followersBase` holds; followers grow from there. */
  anchorMs: number;
  profileOverrides: { follower_count?: number; following_count?: number };
  /** Newest first. */
  videos: SandboxVideo[];
}

export interface NewAccountOptions {
  seed?: number;
  items?: number;
  followers?: number;
}

/**
 * Counters move in whole-hour steps of the sandbox clock. Without the step, a comparison of API answers with
 * the ground truth a few milliseconds later could differ by one view on a young video.
 */
const GROWTH_STEP_MS = 60 * 60 * 1000;

function metricTimeMs(clock: SandboxClock): number {
  return Math.floor(clock.now() / GROWTH_STEP_MS) * GROWTH_STEP_MS;
}

const ADJECTIVES = ['sunny', 'urban', 'cozy', 'wild', 'lazy', 'tiny', 'vivid', 'retro', 'salty', 'epic'];
const NOUNS = ['chef', 'runner', 'garden', 'gamer', 'studio', 'travels', 'beats', 'crafts', 'lab', 'paws'];
const TOPICS = [
  'morning routine',
  'recipe',
  'day in my life',
  'tutorial',
  'challenge',
  'behind the scenes',
  'haul',
];
const TAGS = [
  '#fyp',
  '#foryou',
  '#viral',
  '#howto',
  '#food',
  '#travel',
  '#diy',
  '#comedy',
  '#dance',
  '#pets',
];

function uuidFrom(random: Random): string {
  const h = random.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class TikTokWorld {
  private readonly accounts = new Map<string, SandboxAccount>();
  private readonly usedVideoIds = new Set<string>();
  private created = 0;

  constructor(
    private readonly clock: SandboxClock,
    private readonly seed: number,
  ) {}

  /** A fresh generated account; with the same (world seed, seed) it is the same account. */
  createAccount(opts: NewAccountOptions = {}, defaultItems = 250): SandboxAccount {
    const index = this.created++;
    const random = new Random(opts.seed ?? this.seed * 7919 + index * 104729 + 1);
    const now = this.clock.now();
    const handle = `${random.pick(ADJECTIVES)}.${random.pick(NOUNS)}${random.int(1, 999)}`;
    const account: SandboxAccount = {
      openId: `-000${uuidFrom(random)}`,
      unionId: uuidFrom(random),
      username: handle,
      displayName: handle
        .split(/[.\d]/)
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(' '),
      avatarUrl: `https://p16-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/${random.hex(32)}~c5_168x168.jpeg`,
      bio: `${random.pick(TOPICS)} every week`,
      verified: random.next() < 0.05,
      followersBase: opts.followers ?? random.int(800, 250_000),
      followerGrowthPerDay: random.int(0, 400),
      following: random.int(10, 900),
      anchorMs: now,
      profileOverrides: {},
      videos: [],
    };
    if (opts.followers !== undefined) account.followerGrowthPerDay = 0;
    if (this.accounts.has(account.openId)) throw new Error(`account seed collision: ${account.openId}`);

    const count = opts.items ?? defaultItems;
    let t = Math.floor(now / 1000) - random.int(600, 36_000);
    for (let i = 0; i < count; i++) {
      account.videos.push(this.generateVideo(random, t));
      t -= random.int(3_600, 5 * 86_400);
    }
    this.accounts.set(account.openId, account);
    return account;
  }

  private newVideoId(random: Random): string {
    let id = `7${random.digits(18)}`;
    while (this.usedVideoIds.has(id)) id = `7${random.digits(18)}`;
    this.usedVideoIds.add(id);
    return id;
  }

  private generateVideo(random: Random, createTime: number): SandboxVideo {
    const topic = random.pick(TOPICS);
    const tags = [random.pick(TAGS), random.pick(TAGS)].join(' ');
    const viral = random.next() < 0.03;
    return {
      id: this.newVideoId(random),
      createTime,
      // Many TikToks have no title, and some no description: both come back as "".
      title: random.next() < 0.4 ? '' : `My ${topic}`,
      description: random.next() < 0.1 ? '' : `${topic} part ${random.int(1, 40)} ${tags}`,
      duration: random.int(6, 180),
      width: 1080,
      height: 1920,
      hidden: random.next() < 0.08,
      peakViews: viral ? random.int(500_000, 5_000_000) : random.int(200, 60_000),
      halfLifeHours: random.int(6, 96),
      likeRate: 0.02 + random.next() * 0.12,
      commentRate: random.next() * 0.01,
      shareRate: random.next() * 0.008,
      overrides: {},
    };
  }

  get(openId: string): SandboxAccount | undefined {
    return this.accounts.get(openId);
  }

  ids(): string[] {
    return [...this.accounts.keys()];
  }

  list(): SandboxAccount[] {
    return [...this.accounts.values()];
  }

  /** Adds a video (control API); `createdAtMs` defaults to now. Returns the stored video. */
  addVideo(
    account: SandboxAccount,
    input: { text?: string; title?: string; createdAtMs?: number; metrics?: Record<string, number> },
  ): SandboxVideo {
    const random = new Random(this.seed + account.videos.length * 31 + this.usedVideoIds.size);
    let createTime = Math.floor((input.createdAtMs ?? this.clock.now()) / 1000);
    const taken = new Set(account.videos.map((v) => v.createTime));
    while (taken.has(createTime)) createTime -= 1;
    const video = this.generateVideo(random, createTime);
    video.hidden = false;
    video.description = input.text ?? video.description;
    video.title = input.title ?? video.title;
    if (input.metrics) this.setMetrics(video, input.metrics);
    account.videos.push(video);
    account.videos.sort((a, b) => b.createTime - a.createTime);
    return video;
  }

  /** Pins counters given by normalized name (`views`) or TikTok name (`view_count`). */
  setMetrics(video: SandboxVideo, metrics: Record<string, number>): void {
    for (const [name, value] of Object.entries(metrics)) {
      const counter =
        METRIC_TO_COUNTER[name] ??
        (Object.values(METRIC_TO_COUNTER).includes(name as VideoCounter)
          ? (name as VideoCounter)
          : undefined);
      if (!counter) throw new RangeError(`unknown TikTok video metric "${name}"`);
      if (!Number.isInteger(value) || value < 0)
        throw new RangeError(`metric "${name}" must be a non-negative integer`);
      video.overrides[counter] = value;
    }
  }

  counters(video: SandboxVideo): Record<VideoCounter, number> {
    const ageHours = Math.max(0, metricTimeMs(this.clock) / 1000 - video.createTime) / 3600;
    const views = Math.floor(video.peakViews * (1 - Math.pow(0.5, ageHours / video.halfLifeHours)));
    const grown: Record<VideoCounter, number> = {
      view_count: views,
      like_count: Math.floor(views * video.likeRate),
      comment_count: Math.floor(views * video.commentRate),
      share_count: Math.floor(views * video.shareRate),
    };
    return { ...grown, ...video.overrides };
  }

  visibleVideos(account: SandboxAccount): SandboxVideo[] {
    return account.videos.filter((v) => !v.hidden);
  }

  shareUrl(account: SandboxAccount, video: SandboxVideo): string {
    return `https://www.tiktok.com/@${account.username}/video/${video.id}`;
  }

  followerCount(account: SandboxAccount): number {
    if (account.profileOverrides.follower_count !== undefined) return account.profileOverrides.follower_count;
    const days = Math.max(0, metricTimeMs(this.clock) - account.anchorMs) / 86_400_000;
    return account.followersBase + Math.floor(days * account.followerGrowthPerDay);
  }

  followingCount(account: SandboxAccount): number {
    return account.profileOverrides.following_count ?? account.following;
  }

  likesCount(account: SandboxAccount): number {
    return this.visibleVideos(account).reduce((sum, v) => sum + this.counters(v).like_count, 0);
  }

  /** The normalized form (DESIGN.md) of one video, computed from the world directly, not through the connector. */
  normalizedVideo(account: SandboxAccount, video: SandboxVideo): Item {
    const c = this.counters(video);
    const attributes: Record<string, string | number> = { durationSeconds: video.duration };
    if (video.title) attributes.title = video.title;
    attributes.shareUrl = this.shareUrl(account, video);
    return {
      kind: 'videos',
      id: video.id,
      createdAt: new Date(video.createTime * 1000).toISOString(),
      text: video.description || null,
      metrics: { views: c.view_count, likes: c.like_count, comments: c.comment_count, shares: c.share_count },
      attributes,
    };
  }

  normalizedProfile(account: SandboxAccount): Profile {
    return {
      username: account.username,
      displayName: account.displayName || null,
      followers: this.followerCount(account),
      following: this.followingCount(account),
      postCount: this.visibleVideos(account).length,
    };
  }
}
