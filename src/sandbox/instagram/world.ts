/**
 * The sandbox's Instagram world: accounts, media and stories generated from a seed, with metrics that are a pure
 * function of (item, sandbox clock) unless a control edit overrides them. Nothing here knows about HTTP.
 */
import type { SandboxClock } from '../core/clock';
import { Random } from '../core/random';
import {
  ACCOUNT_DAY_METRICS,
  STORY_NAVIGATION_ACTIONS,
  type AccountDayMetric,
  type DemographicBreakdown,
  DEMOGRAPHICS_TOP_N,
} from './facts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Stories (and their insights) exist for 24 h. */
export const STORY_LIFETIME_MS = DAY_MS;
/** Account insights lag: a day's values appear this long after the day ends (the notes say up to 48 h). */
export const INSIGHTS_LAG_MS = 48 * HOUR_MS;
/** Stories below this many viewers have no insights (`(#10) Not enough viewers`). */
export const MIN_STORY_VIEWERS = 5;

export type MediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';
export type ProductType = 'FEED' | 'REELS' | 'STORY';
export type NavigationAction = (typeof STORY_NAVIGATION_ACTIONS)[number];

/** Values a media's metrics grow towards; the current value is `potential × growth(age)`. */
export interface MediaPotential {
  likes: number;
  comments: number;
  reach: number;
  views: number;
  saves: number;
  shares: number;
  replies: number;
  follows: number;
  profileVisits: number;
  navigation: Record<NavigationAction, number>;
}

/** Control edits, in normalized metric names (`likes`, `saves`, `navigation`…): absolute values. */
export type MetricOverrides = Partial<Record<string, number>>;

export interface MediaRecord {
  id: string;
  accountId: string;
  kind: 'posts' | 'stories';
  mediaType: MediaType;
  productType: ProductType;
  /** Absent when the media has no caption (Meta then omits the field). */
  caption?: string;
  createdAt: number;
  shortcode: string;
  potential: MediaPotential;
  overrides: MetricOverrides;
  /** Posted before the account became professional: the platform has no insights for it. */
  legacy: boolean;
  deleted: boolean;
}

export interface AccountRecord {
  /** The Instagram professional account id: `user_id` of `GET /me`, graph paths, webhook `entry.id`. */
  id: string;
  /**
   * The app-scoped id of the same person: the token exchange's `user_id` and `/me`'s `id`. Never valid in a graph
   * path here, so a client that mixes the two forms up fails loudly.
   */
  appScopedId: string;
  seed: number;
  username: string;
  name?: string;
  biography: string;
  /** Accounts without a link in bio have no `profile_links_taps` data at all. */
  website?: string;
  followers: number;
  follows: number;
  accountType: 'BUSINESS' | 'MEDIA_CREATOR';
  createdAt: number;
  /** Newest first. */
  posts: MediaRecord[];
  /** Generated stories seen so far (by id) and stories added through the control API. */
  stories: Map<string, MediaRecord>;
  /** Generated story slot → id, so a slot materializes once. */
  storySlots: Map<number, string>;
  storyPeriodMs: number;
  storyAnchor: number;
}

/** Raw (Instagram-named) metric values of a media at one instant. */
export interface RawMediaMetrics {
  like_count: number;
  comments_count: number;
  reach: number;
  views: number;
  saved: number;
  shares: number;
  replies: number;
  follows: number;
  profile_visits: number;
  total_interactions: number;
  ig_reels_avg_watch_time: number;
  ig_reels_video_view_total_time: number;
  navigation: Record<NavigationAction, number>;
}

/** FNV-1a over the parts: stable sub-seeds, so one account's data never depends on another's. */
export function subSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const NAMES = ['luna', 'atelier', 'nomad', 'bakery', 'studio', 'trail', 'pixel', 'garden', 'coast', 'vinyl'];
const SUFFIXES = ['co', 'daily', 'hq', 'lab', 'official', 'club', 'works'];
const WORDS = [
  'sunset',
  'new drop',
  'behind the scenes',
  'our team',
  'weekend',
  'recipe',
  'giveaway',
  'travel',
  'Q&A',
];
const AGES = ['13-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const GENDERS = ['F', 'M', 'U'];
const COUNTRIES = [
  'US',
  'GB',
  'DE',
  'FR',
  'IT',
  'ES',
  'BR',
  'MX',
  'IN',
  'ID',
  'JP',
  'KR',
  'CA',
  'AU',
  'NL',
  'SE',
  'NO',
  'DK',
  'FI',
  'PL',
  'PT',
  'IE',
  'BE',
  'CH',
  'AT',
  'TR',
  'AR',
  'CL',
  'CO',
  'PE',
  'ZA',
  'NG',
  'EG',
  'MA',
  'KE',
  'SA',
  'AE',
  'IL',
  'PH',
  'TH',
  'VN',
  'MY',
  'SG',
  'NZ',
  'GR',
  'CZ',
  'RO',
  'HU',
  'UA',
  'RU',
];
const CITIES = COUNTRIES.flatMap((c, i) => [`City ${i * 2 + 1}, ${c}`, `City ${i * 2 + 2}, ${c}`]);

export interface WorldOptions {
  seed: number;
  accounts: number;
  itemsPerAccount: number;
}

export interface NewAccountRequest {
  seed?: number;
  items?: number;
  followers?: number;
}

export class InstagramWorld {
  readonly accounts = new Map<string, AccountRecord>();
  /** Media id → owner, for `/{media-id}` lookups. */
  private readonly mediaOwner = new Map<string, string>();
  /** Start of the UTC day the world was built: generated timestamps are relative to it. */
  readonly epoch: number;
  private created = 0;

  constructor(
    private readonly clock: SandboxClock,
    private readonly options: WorldOptions,
  ) {
    this.epoch = Math.floor(clock.now() / DAY_MS) * DAY_MS;
    for (let i = 0; i < options.accounts; i++) {
      // The third generated account is small: below the 100 followers demographics need.
      this.createAccount({ followers: i === 2 ? 60 : undefined });
    }
  }

  createAccount(req: NewAccountRequest = {}): AccountRecord {
    const index = this.created++;
    const seed = req.seed ?? subSeed(this.options.seed, 'account', index);
    const rnd = new Random(seed);
    const id = `178414${rnd.digits(11)}`;
    const followers = req.followers ?? rnd.int(800, 60_000);
    const username = `${rnd.pick(NAMES)}.${rnd.pick(SUFFIXES)}${rnd.int(1, 99)}`;
    const hasName = rnd.next() < 0.85;
    const account: AccountRecord = {
      id,
      // Its own sub-seed: adding it must not shift the values generated from `rnd` after it.
      appScopedId: `2${new Random(subSeed(seed, 'app-scoped')).digits(16)}`,
      seed,
      username,
      name: hasName ? username.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()) + ' Studio' : undefined,
      biography: 'Made in the socialsync sandbox',
      website: index % 3 === 1 ? undefined : `https://example.com/${username}`,
      followers,
      follows: rnd.int(50, 1500),
      accountType: rnd.next() < 0.5 ? 'BUSINESS' : 'MEDIA_CREATOR',
      createdAt: this.epoch - 800 * DAY_MS,
      posts: [],
      stories: new Map(),
      storySlots: new Map(),
      storyPeriodMs: rnd.int(5, 11) * HOUR_MS,
      storyAnchor: this.epoch - 30 * DAY_MS + rnd.int(0, 4 * 60) * 60_000,
    };
    this.accounts.set(id, account);
    const count = req.items ?? this.options.itemsPerAccount;
    // Posts spread over the last ~2 years, 2..4 days apart; the oldest 5% predate the professional conversion.
    let at = this.epoch - rnd.int(1, 20) * HOUR_MS;
    const generated: MediaRecord[] = [];
    for (let i = 0; i < count; i++) {
      generated.push(this.generatePost(account, rnd, at, i >= Math.floor(count * 0.95)));
      at -= rnd.int(30, 90) * HOUR_MS + rnd.int(0, 59) * 60_000;
    }
    account.posts = generated;
    for (const m of generated) this.mediaOwner.set(m.id, account.id);
    return account;
  }

  private generatePost(account: AccountRecord, rnd: Random, createdAt: number, legacy: boolean): MediaRecord {
    const roll = rnd.next();
    const [mediaType, productType]: [MediaType, ProductType] =
      roll < 0.5 ? ['IMAGE', 'FEED'] : roll < 0.8 ? ['VIDEO', 'REELS'] : ['CAROUSEL_ALBUM', 'FEED'];
    const reach = Math.round(account.followers * (0.1 + rnd.next() * 0.5));
    const likes = Math.round(reach * (0.02 + rnd.next() * 0.1));
    return {
      id: `18${rnd.digits(15)}`,
      accountId: account.id,
      kind: 'posts',
      mediaType,
      productType,
      caption: rnd.next() < 0.9 ? `${rnd.pick(WORDS)} #${rnd.pick(NAMES)}` : undefined,
      createdAt,
      shortcode: rnd.hex(11),
      potential: {
        likes,
        comments: Math.round(likes * (0.01 + rnd.next() * 0.1)),
        reach,
        views: Math.round(reach * (productType === 'REELS' ? 2 + rnd.next() * 3 : 1.2 + rnd.next())),
        saves: Math.round(reach * (0.002 + rnd.next() * 0.03)),
        shares: Math.round(reach * (0.001 + rnd.next() * 0.02)),
        replies: 0,
        follows: Math.round(reach * rnd.next() * 0.004),
        profileVisits: Math.round(reach * rnd.next() * 0.02),
        navigation: { tap_forward: 0, tap_back: 0, tap_exit: 0, swipe_forward: 0 },
      },
      overrides: {},
      legacy,
      deleted: false,
    };
  }

  private generateStory(account: AccountRecord, slot: number, createdAt: number): MediaRecord {
    const rnd = new Random(subSeed(account.seed, 'story', slot));
    // A quarter of stories stay below 5 viewers: the platform refuses their insights.
    const tiny = rnd.next() < 0.25;
    const reach = tiny ? rnd.int(0, 3) : Math.round(account.followers * (0.02 + rnd.next() * 0.13)) + 5;
    const views = Math.round(reach * (1 + rnd.next() * 0.6));
    return {
      id: `17${rnd.digits(15)}`,
      accountId: account.id,
      kind: 'stories',
      mediaType: rnd.next() < 0.6 ? 'IMAGE' : 'VIDEO',
      productType: 'STORY',
      caption: undefined,
      createdAt,
      shortcode: rnd.hex(11),
      potential: {
        likes: 0,
        comments: 0,
        reach,
        views,
        saves: 0,
        shares: Math.round(reach * rnd.next() * 0.01),
        replies: Math.round(reach * rnd.next() * 0.03),
        follows: Math.round(reach * rnd.next() * 0.002),
        profileVisits: Math.round(reach * rnd.next() * 0.01),
        navigation: {
          tap_forward: Math.round(views * 0.6),
          tap_back: Math.round(views * 0.1),
          tap_exit: Math.round(views * 0.15),
          swipe_forward: Math.round(views * 0.1),
        },
      },
      overrides: {},
      legacy: false,
      deleted: false,
    };
  }

  account(id: string): AccountRecord | undefined {
    return this.accounts.get(id);
  }

  /** Posts visible now, newest first (the media edge serves only the newest 10,000). */
  posts(account: AccountRecord): MediaRecord[] {
    const now = this.clock.now();
    return account.posts.filter((m) => !m.deleted && m.createdAt <= now).slice(0, 10_000);
  }

  /** Stories of the last 24 h, newest first; generated ones appear every few hours as the clock moves. */
  stories(account: AccountRecord): MediaRecord[] {
    const now = this.clock.now();
    const from = now - STORY_LIFETIME_MS;
    const first = Math.max(0, Math.floor((from - account.storyAnchor) / account.storyPeriodMs) - 1);
    const last = Math.floor((now - account.storyAnchor) / account.storyPeriodMs) + 1;
    for (let slot = first; slot <= last; slot++) {
      if (account.storySlots.has(slot)) continue;
      const jitter = (subSeed(account.seed, 'jitter', slot) % 90) * 60_000;
      const createdAt = account.storyAnchor + slot * account.storyPeriodMs + jitter;
      if (createdAt > now) continue;
      const story = this.generateStory(account, slot, createdAt);
      account.storySlots.set(slot, story.id);
      account.stories.set(story.id, story);
      this.mediaOwner.set(story.id, account.id);
    }
    return [...account.stories.values()]
      .filter((s) => !s.deleted && s.createdAt <= now && s.createdAt > from)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /** A media that exists now (a deleted post or an expired story does not). */
  findMedia(id: string): MediaRecord | undefined {
    const owner = this.mediaOwner.get(id);
    const account = owner ? this.accounts.get(owner) : undefined;
    if (!account) return undefined;
    const media = account.posts.find((m) => m.id === id) ?? account.stories.get(id);
    if (!media || media.deleted) return undefined;
    const now = this.clock.now();
    if (media.createdAt > now) return undefined;
    if (media.kind === 'stories' && media.createdAt <= now - STORY_LIFETIME_MS) return undefined;
    return media;
  }

  addMedia(
    account: AccountRecord,
    req: { kind: 'posts' | 'stories'; caption?: string; createdAt?: number; overrides?: MetricOverrides },
  ): MediaRecord {
    const rnd = new Random(subSeed(account.seed, 'added', this.mediaOwner.size));
    // Meta timestamps have whole seconds.
    const createdAt = Math.floor((req.createdAt ?? this.clock.now()) / 1000) * 1000;
    const media =
      req.kind === 'stories'
        ? this.generateStory(account, -this.mediaOwner.size, createdAt)
        : this.generatePost(account, rnd, createdAt, false);
    media.caption = req.caption ?? (req.kind === 'posts' ? media.caption : undefined);
    media.overrides = { ...(req.overrides ?? {}) };
    if (req.kind === 'stories') account.stories.set(media.id, media);
    else {
      account.posts.push(media);
      account.posts.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    }
    this.mediaOwner.set(media.id, account.id);
    return media;
  }

  /** Raw metric values of a media now: potential × growth(age), then control overrides. */
  metricsOf(media: MediaRecord): RawMediaMetrics {
    const age = Math.max(0, this.clock.now() - media.createdAt);
    const tau = media.kind === 'stories' ? 4 * HOUR_MS : 36 * HOUR_MS;
    const g = 1 - Math.exp(-age / tau);
    const p = media.potential;
    const grow = (v: number) => Math.floor(v * g);
    const o = media.overrides;
    const pick = (name: string, computed: number) => o[name] ?? computed;
    let navigation: Record<NavigationAction, number> = {
      tap_forward: grow(p.navigation.tap_forward),
      tap_back: grow(p.navigation.tap_back),
      tap_exit: grow(p.navigation.tap_exit),
      swipe_forward: grow(p.navigation.swipe_forward),
    };
    if (o.navigation !== undefined) navigation = scaleNavigation(navigation, o.navigation);
    const like_count = pick('likes', grow(p.likes));
    const comments_count = pick('comments', grow(p.comments));
    const saved = pick('saves', grow(p.saves));
    const shares = pick('shares', grow(p.shares));
    const replies = pick('replies', grow(p.replies));
    const views = pick('views', grow(p.views));
    const isStory = media.kind === 'stories';
    return {
      like_count,
      comments_count,
      reach: pick('reach', grow(p.reach)),
      views,
      saved,
      shares,
      replies,
      follows: grow(p.follows),
      profile_visits: grow(p.profileVisits),
      total_interactions: isStory ? replies + shares : like_count + comments_count + saved + shares,
      ig_reels_avg_watch_time: 4000 + (Number(media.id.slice(-3)) % 9000),
      ig_reels_video_view_total_time: views * 6000,
      navigation,
    };
  }

  /** Account metrics of the UTC day starting at `dayStart`; undefined while the day is not available yet. */
  dayMetrics(
    account: AccountRecord,
    dayStart: number,
  ): Partial<Record<AccountDayMetric, number>> | undefined {
    if (dayStart < account.createdAt) return undefined;
    if (dayStart + DAY_MS + INSIGHTS_LAG_MS > this.clock.now()) return undefined;
    const rnd = new Random(subSeed(account.seed, 'day', Math.floor(dayStart / DAY_MS)));
    const reach = Math.round(account.followers * (0.05 + rnd.next() * 0.35));
    const likes = Math.round(reach * (0.02 + rnd.next() * 0.06));
    const comments = Math.round(likes * (0.02 + rnd.next() * 0.08));
    const saves = Math.round(reach * rnd.next() * 0.01);
    const shares = Math.round(reach * rnd.next() * 0.008);
    const replies = Math.round(reach * rnd.next() * 0.004);
    const values: Partial<Record<AccountDayMetric, number>> = {
      reach,
      views: Math.round(reach * (1.5 + rnd.next() * 1.5)),
      accounts_engaged: Math.round(reach * (0.02 + rnd.next() * 0.08)),
      total_interactions: likes + comments + saves + shares + replies,
      likes,
      comments,
      saves,
      shares,
      replies,
      follows_and_unfollows: rnd.int(0, Math.max(1, Math.round(account.followers / 500))),
    };
    if (account.website) values.profile_links_taps = Math.round(reach * rnd.next() * 0.005);
    for (const m of ACCOUNT_DAY_METRICS) if (values[m] === undefined) delete values[m];
    return values;
  }

  /** Top entries of a demographic breakdown, biggest first; `engaged` is the engaged-audience variant. */
  demographics(
    account: AccountRecord,
    breakdown: DemographicBreakdown,
    engaged: boolean,
  ): [string, number][] {
    const dims = { age: AGES, gender: GENDERS, country: COUNTRIES, city: CITIES }[breakdown];
    const rnd = new Random(subSeed(account.seed, 'demographics', breakdown));
    const weights = dims.map(() => rnd.next() ** 3 + 0.001);
    const total = weights.reduce((a, b) => a + b, 0);
    const base = engaged ? Math.round(account.followers * 0.3) : account.followers;
    return dims
      .map((d, i): [string, number] => [d, Math.round((base * weights[i]!) / total)])
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, DEMOGRAPHICS_TOP_N);
  }
}

/** Applies a navigation total override, keeping the breakdown's proportions (remainder to tap_forward). */
function scaleNavigation(
  current: Record<NavigationAction, number>,
  total: number,
): Record<NavigationAction, number> {
  const sum = Object.values(current).reduce((a, b) => a + b, 0);
  const out = { ...current };
  if (sum === 0) return { tap_forward: total, tap_back: 0, tap_exit: 0, swipe_forward: 0 };
  let assigned = 0;
  for (const k of STORY_NAVIGATION_ACTIONS) {
    out[k] = Math.floor((current[k] * total) / sum);
    assigned += out[k];
  }
  out.tap_forward += total - assigned;
  return out;
}
