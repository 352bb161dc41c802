/**
 * The simulated X world: accounts and their posts, generated from a seed. Metrics are a pure function of the
 * post and the sandbox clock (they grow towards a per-post ceiling as the post ages), unless a control edit
 * pinned a value. Nothing here knows about HTTP.
 */
import { Random } from '../core/random';

/** X's snowflake epoch (2010-11-04): ids carry their creation time in the bits above 22. */
export const TWITTER_EPOCH_MS = 1_288_834_974_657;
const DAY_MS = 86_400_000;

export const METRIC_KEYS = [
  'impressions',
  'likes',
  'retweets',
  'replies',
  'quotes',
  'bookmarks',
  'urlLinkClicks',
  'profileClicks',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type MetricValues = Record<MetricKey, number>;

export type TweetType = 'tweet' | 'reply' | 'retweet';

export interface SandboxTweet {
  id: string;
  authorId: string;
  type: TweetType;
  text: string;
  /** Epoch ms, whole seconds (X's created_at has `.000Z`). */
  createdAt: number;
  lang: string;
  /** For replies: the user replied to; for retweets: the retweeted post's author. */
  otherUserId?: string;
  /** For replies and retweets: the referenced post. */
  referencedId?: string;
  /** Values each metric approaches as the post ages. */
  ceilings: MetricValues;
  /** Values pinned by the control API; they replace the growth curve. */
  pinned: Partial<MetricValues>;
}

export interface SandboxAccount {
  id: string;
  username: string;
  name: string;
  description: string;
  createdAt: number;
  followers: number;
  following: number;
  listed: number;
  /** Newest first (descending id). */
  tweets: SandboxTweet[];
}

export interface AccountSpec {
  seed: number;
  items: number;
  followers?: number;
  /** Sandbox-clock ms that generated posts are placed before. */
  anchor: number;
}

const FIRST_NAMES = ['Ada', 'Linus', 'Grace', 'Alan', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Perlman'];
const WORDS = [
  'shipping',
  'today',
  'new',
  'release',
  'thread',
  'thoughts',
  'on',
  'coffee',
  'latency',
  'the',
  'launch',
  'weekend',
  'build',
  'data',
  'team',
  'love',
  'this',
  'finally',
  'open',
  'source',
  'learned',
  'about',
  'why',
  'design',
  'tests',
  'deploy',
  'metrics',
  'growth',
  'morning',
  'bug',
  'fixed',
  'small',
  'wins',
  'ideas',
];
const LANGS = ['en', 'en', 'en', 'es', 'de', 'fr'];

/** Growth speed per metric (hours to reach ~63% of the ceiling): impressions come first, bookmarks trail. */
const TAU_HOURS: MetricValues = {
  impressions: 10,
  likes: 14,
  retweets: 18,
  replies: 20,
  quotes: 24,
  bookmarks: 36,
  urlLinkClicks: 12,
  profileClicks: 16,
};

/** A snowflake id for a post created at `ms`; the low 22 bits are random so ids of one second differ. */
export function snowflakeId(ms: number, random: Random): string {
  const low = BigInt(random.int(0, (1 << 22) - 1));
  return ((BigInt(Math.max(0, ms - TWITTER_EPOCH_MS)) << 22n) | low).toString();
}

export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + TWITTER_EPOCH_MS;
}

export function compareIdsDesc(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x > y ? -1 : 1;
}

function sentence(random: Random, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i += 1) out.push(random.pick(WORDS));
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Ceilings with realistic ratios: likes 0.5-5% of impressions, retweets 5-30% of likes, and so on. */
export function randomCeilings(random: Random): MetricValues {
  const impressions = Math.round(150 * Math.exp(random.next() * 6)); // 150 .. ~60k, long-tailed
  const likes = Math.round(impressions * (0.005 + random.next() * 0.045));
  const retweets = Math.round(likes * (0.05 + random.next() * 0.25));
  return {
    impressions,
    likes,
    retweets,
    replies: Math.round(likes * (0.03 + random.next() * 0.15)),
    quotes: Math.round(retweets * (0.05 + random.next() * 0.3)),
    bookmarks: Math.round(likes * (0.02 + random.next() * 0.12)),
    urlLinkClicks: Math.round(impressions * random.next() * 0.01),
    profileClicks: Math.round(impressions * random.next() * 0.006),
  };
}

/** A post's metrics at sandbox time `now`: pinned values win, the rest follow `ceiling * (1 - e^(-age/tau))`. */
export function metricsAt(tweet: SandboxTweet, now: number): MetricValues {
  const ageHours = Math.max(0, now - tweet.createdAt) / 3_600_000;
  const out = {} as MetricValues;
  for (const key of METRIC_KEYS) {
    const pinned = tweet.pinned[key];
    out[key] = pinned ?? Math.floor(tweet.ceilings[key] * (1 - Math.exp(-ageHours / TAU_HOURS[key])));
  }
  return out;
}

export function generateTweet(opts: {
  random: Random;
  author: SandboxAccount;
  createdAt: number;
  type?: TweetType;
  text?: string;
}): SandboxTweet {
  const { random, author } = opts;
  const createdAt = Math.floor(opts.createdAt / 1000) * 1000;
  const type = opts.type ?? 'tweet';
  const tweet: SandboxTweet = {
    id: snowflakeId(createdAt, random),
    authorId: author.id,
    type,
    text: opts.text ?? sentence(random, random.int(4, 16)),
    createdAt,
    lang: random.pick(LANGS),
    ceilings: randomCeilings(random),
    pinned: {},
  };
  if (type !== 'tweet') {
    tweet.otherUserId = random.digits(random.int(8, 19));
    tweet.referencedId = snowflakeId(createdAt - random.int(60, 86_400) * 1000, random);
    const handle = `@${random.pick(FIRST_NAMES).toLowerCase()}${random.int(1, 999)}`;
    tweet.text = type === 'retweet' ? `RT ${handle}: ${tweet.text}` : `${handle} ${tweet.text}`;
  }
  return tweet;
}

/** A fresh account with `items` posts spread over ~14 months, denser towards the present. */
export function generateAccount(spec: AccountSpec): SandboxAccount {
  const random = new Random(spec.seed);
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const account: SandboxAccount = {
    id: random.digits(random.int(10, 19)),
    username: `${first}${last}${random.int(1, 9999)}`.toLowerCase(),
    name: `${first} ${last}`,
    description: sentence(random, 8),
    createdAt: Math.floor((spec.anchor - random.int(400, 4000) * DAY_MS) / 1000) * 1000,
    followers: spec.followers ?? random.int(120, 80_000),
    following: random.int(30, 2_000),
    listed: random.int(0, 300),
    tweets: [],
  };
  const ids = new Set<string>();
  for (let i = 0; i < spec.items; i += 1) {
    const u = random.next();
    // Squaring u puts most posts in the recent weeks, like an active account; at least 5 minutes old.
    const ageMs = 5 * 60_000 + Math.floor(u * u * 420 * DAY_MS);
    const roll = random.next();
    const type: TweetType = roll < 0.8 ? 'tweet' : roll < 0.92 ? 'reply' : 'retweet';
    const tweet = generateTweet({ random, author: account, createdAt: spec.anchor - ageMs, type });
    if (ids.has(tweet.id)) continue;
    ids.add(tweet.id);
    account.tweets.push(tweet);
  }
  account.tweets.sort((a, b) => compareIdsDesc(a.id, b.id));
  return account;
}

/** Insert keeping newest-first order. */
export function insertTweet(account: SandboxAccount, tweet: SandboxTweet): void {
  const at = account.tweets.findIndex((t) => compareIdsDesc(t.id, tweet.id) > 0);
  if (at === -1) account.tweets.push(tweet);
  else account.tweets.splice(at, 0, tweet);
}
