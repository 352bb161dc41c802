/**
 * Issue 13's seed-literal baseline: the seed plan's `syncAllPlatforms` written the way the seed writes code — plain
 * `axios` calls straight to each platform's documented HTTP endpoints, one after another, no retries, no concurrency,
 * a failing platform logged and skipped — and NOTHING from src/platforms (bench/plain-loop.ts reuses socialsync's
 * connectors and so measures orchestration only; this loop measures what the seed's plan costs when followed).
 * It saves through socialsync's Firestore sink, so the bench's accuracy check scores it like socialsync.
 *
 * For each user, for each platform in turn (instagram, twitter, tiktok), the calls and why each costs what it costs:
 *
 * Instagram (Instagram API with Instagram Login, base INSTAGRAM_GRAPH_URL; every call carries `access_token` and
 * `appsecret_proof` = hex HMAC-SHA256(app secret, token), https://developers.facebook.com/docs/graph-api/securing-requests):
 * - Profile, 1 call: `GET /me?fields=user_id,username,name,followers_count,follows_count,media_count`
 *   (https://developers.facebook.com/docs/instagram-platform/reference/me and the IG User fields of
 *   https://developers.facebook.com/docs/instagram-platform/reference/instagram-user).
 * - User insights, 30 calls: `GET /{ig-user-id}/insights?metric=reach,views,accounts_engaged,…&period=day
 *   &metric_type=total_value&since&until`, one per UTC day of the last 30
 *   (https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights). With
 *   `total_value` the API sums the whole since..until range into one number and only `reach` has a `time_series`,
 *   so a per-day history is one call per day. Of the seed snippet's metrics, `impressions` is dead since
 *   2025-04-21 and `follower_count` is not served by the sandbox nor scored by the bench, so neither is asked.
 * - Audience demographics, 4 calls: the same endpoint with `metric=follower_demographics&period=lifetime
 *   &metric_type=total_value&breakdown=age|gender|country|city` — one breakdown per request; not asked for accounts
 *   under the documented 100 followers.
 * - Posts, 1 call per 100: `GET /{ig-user-id}/media?fields=id,caption,media_type,media_product_type,permalink,
 *   timestamp,like_count,comments_count&limit=100&after=…` until `paging.next` is absent
 *   (https://developers.facebook.com/docs/instagram-platform/reference/instagram-user/media, paging:
 *   https://developers.facebook.com/docs/graph-api/results). The reference states no maximum `limit`; the sandbox
 *   clamps it at 100.
 * - Media insights, 1 call per post: `GET /{ig-media-id}/insights?metric=reach,saved,shares,views` — the Media
 *   Insights endpoint the seed's "Media insights (likes, comments, shares, saves)" names
 *   (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights); likes and comments
 *   come from the media list's `like_count`/`comments_count`. A `(#10)` answer (media posted before the business
 *   conversion, story under 5 viewers) means "no insights for this media": its metrics stay absent.
 * - Stories, 1 call per 100: `GET /{ig-user-id}/stories?fields=…&limit=100`
 *   (https://developers.facebook.com/docs/instagram-platform/reference/instagram-user/stories), then per story
 *   2 calls on the same Media Insights endpoint: `metric=reach,replies,shares,views`, and
 *   `metric=navigation&breakdown=story_navigation_action_type` (the breakdown is served for `navigation` alone).
 *   A story refused with `(#10)` gets no navigation call.
 *
 * X (API v2, base TWITTER_API_URL, `Authorization: Bearer`):
 * - User metrics, 1 call: `GET /2/users/me?user.fields=public_metrics`
 *   (https://developer.x.com/en/docs/x-api/users/lookup/api-reference/get-users-me).
 * - Timeline with tweet metrics, 1 call per 100: `GET /2/users/:id/tweets?max_results=100
 *   &tweet.fields=created_at,public_metrics&exclude=retweets&pagination_token=…` until `meta.next_token` is absent —
 *   the seed's own snippet plus paging (https://developer.x.com/en/docs/x-api/tweets/timelines/api-reference/get-users-id-tweets;
 *   `public_metrics`: https://docs.x.com/x-api/fundamentals/metrics). Retweets are excluded: their numbers belong to
 *   someone else's post, and the Firestore layout stores the account's own posts and replies.
 *
 * TikTok (Display API v2, base TIKTOK_API_URL, `Authorization: Bearer`):
 * - User info and stats, 1 call: `GET /v2/user/info/?fields=open_id,username,display_name,follower_count,
 *   following_count,likes_count,video_count` (https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
 * - Video analytics, 1 call per 20: `POST /v2/video/list/?fields=id,create_time,video_description,duration,title,
 *   share_url,view_count,like_count,comment_count,share_count` with `{"max_count":20,"cursor":…}` until
 *   `has_more` is false (a page may be short while `has_more` is true)
 *   (https://developers.tiktok.com/doc/tiktok-api-v2-video-list, fields:
 *   https://developers.tiktok.com/doc/tiktok-api-v2-video-object).
 * - Audience insights need TikTok's Business API, a second authorization the bench's accounts do not have: skipped.
 *
 * Then `saveToFirestore`: the account document (profile, latest insights, audience), the daily insights and the items
 * of each kind in the layout of docs/contract.md, through the same sink socialsync writes with.
 */
import { syncAllPlatforms } from './seed-shape';
import type { PlainLoopDeps, PlainUser } from './plain-loop';
import { createHmac } from 'node:crypto';
import axios from 'axios';
import type { Env } from '../src/config';
import type { SyncSink } from '../src/store/types';
import type { ConnectionKey, ItemKind, PlatformId } from '../src/domain';
import type { BenchConnection } from './multi-platform';

/** The sink's own record shapes (taken from its signature, so this file needs nothing from src/platforms). */
type SeedItem = Parameters<SyncSink['writeItems']>[2][number];
type SeedAccount = Parameters<SyncSink['writeAccount']>[1];
type Metrics = Record<string, number>;

const DAY_MS = 86_400_000;
/** Days of account insights read, as socialsync's initial sync reads them (and the bench scores). */
const INSIGHT_DAYS = 30;
/** Largest pages: Instagram's media and stories edges (the sandbox's clamp), X's `max_results`, TikTok's `max_count`. */
const IG_LIMIT = 100;
const X_MAX_RESULTS = 100;
const TIKTOK_MAX_COUNT = 20;
/** Only a hung socket could need it (the bench injects HTTP 500s, no hangs); the seed sets none. */
const TIMEOUT_MS = 30_000;

const IG_DAY_METRICS = [
  'reach',
  'views',
  'accounts_engaged',
  'total_interactions',
  'likes',
  'comments',
  'saves',
  'shares',
  'replies',
  'follows_and_unfollows',
  'profile_links_taps',
];
const IG_BREAKDOWNS = ['age', 'gender', 'country', 'city'] as const;
const IG_DEMOGRAPHICS_MIN_FOLLOWERS = 100;
const IG_MEDIA_FIELDS =
  'id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count';
const IG_STORY_FIELDS = 'id,caption,media_type,media_product_type,permalink,timestamp';
/** Valid for both FEED and REELS media (one invalid metric fails the whole request). */
const IG_POST_INSIGHTS = 'reach,saved,shares,views';
const IG_STORY_INSIGHTS = 'reach,replies,shares,views';
/** Instagram's metric names → the layout's (docs/contract.md). */
const IG_METRIC_NAMES: Record<string, string> = {
  reach: 'reach',
  saved: 'saves',
  shares: 'shares',
  views: 'views',
  replies: 'replies',
  navigation: 'navigation',
};

/** What the loop runs with, and one user of it: the same as the call-plan-equal loop's (types only, no code shared). */
export type SeedLoopDeps = PlainLoopDeps;
export type SeedUser = PlainUser;

interface PlatformData {
  account: SeedAccount;
  items: Partial<Record<ItemKind, SeedItem[]>>;
}

/** `syncAllPlatforms` for every user, one after another. Returns how many platform syncs failed. */
export async function seedSyncAll(deps: SeedLoopDeps, users: readonly SeedUser[]): Promise<number> {
  let failed = 0;
  for (const user of users)
    failed += await syncAllPlatforms(user, {
      fetch: (platform, connection) => syncPlatform(deps, platform, connection),
      save: (connection, data) => saveToFirestore(deps, connection.key, data),
      onError: deps.onError,
      describe,
    });
  return failed;
}

function syncPlatform(deps: SeedLoopDeps, platform: PlatformId, c: BenchConnection): Promise<PlatformData> {
  const token = c.tokens.accessToken;
  switch (platform) {
    case 'instagram':
      return syncInstagram(deps, token);
    case 'twitter':
      return syncTwitter(deps.config, token);
    case 'tiktok':
      return syncTikTok(deps.config, token);
  }
}

async function saveToFirestore(deps: SeedLoopDeps, key: ConnectionKey, data: PlatformData): Promise<void> {
  await deps.sink.writeAccount(key, data.account);
  for (const [kind, items] of Object.entries(data.items) as [ItemKind, SeedItem[]][])
    await deps.sink.writeItems(key, kind, items, { syncId: 'seed-loop' });
  await deps.sink.updateConnection(key, { status: 'active', lastSync: new Date(deps.now()) });
}

function describe(error: unknown): string {
  if (axios.isAxiosError(error)) {
    const path = error.config?.url ? new URL(error.config.url).pathname : '?';
    return `${error.config?.method?.toUpperCase() ?? ''} ${path}: ${error.response?.status ?? error.code ?? error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

const base = (url: string) => url.replace(/\/+$/, '');

// ── Instagram ───────────────────────────────────────────────────────────────────────────────────────────

interface IgInsight {
  name: string;
  values?: { value: number }[];
  total_value?: {
    value?: number;
    breakdowns?: { results?: { dimension_values: string[]; value: number }[] }[];
  };
}

interface IgMedia {
  id: string;
  caption?: string;
  media_type?: string;
  media_product_type?: string;
  permalink?: string;
  timestamp: string;
  like_count?: number;
  comments_count?: number;
}

interface IgPage {
  data: IgMedia[];
  paging?: { cursors?: { after?: string }; next?: string };
}

async function syncInstagram(deps: SeedLoopDeps, token: string): Promise<PlatformData> {
  const { config } = deps;
  const graph =
    base(config.INSTAGRAM_GRAPH_URL) +
    (config.INSTAGRAM_GRAPH_VERSION ? `/${config.INSTAGRAM_GRAPH_VERSION}` : '');
  const auth = {
    access_token: token,
    appsecret_proof: createHmac('sha256', config.INSTAGRAM_CLIENT_SECRET ?? '')
      .update(token)
      .digest('hex'),
  };
  const get = async <T>(path: string, params: Record<string, string | number>): Promise<T> =>
    (await axios.get<T>(`${graph}${path}`, { params: { ...params, ...auth }, timeout: TIMEOUT_MS })).data;
  /** Media insights, or undefined when the platform has none for this media (`(#10)`). */
  const mediaInsights = async (id: string, params: Record<string, string>) => {
    try {
      return (await get<{ data: IgInsight[] }>(`/${id}/insights`, params)).data;
    } catch (error) {
      if (axios.isAxiosError(error) && error.response?.data?.error?.code === 10) return undefined;
      throw error;
    }
  };

  const me = await get<{
    user_id: string;
    username: string;
    name?: string;
    followers_count: number;
    follows_count: number;
    media_count: number;
  }>('/me', { fields: 'user_id,username,name,followers_count,follows_count,media_count' });
  const userId = me.user_id;

  // User insights: one total_value request per UTC day, oldest first.
  const daily: { date: string; metrics: Metrics }[] = [];
  const today = Math.floor(deps.now() / DAY_MS) * DAY_MS;
  for (let i = INSIGHT_DAYS - 1; i >= 0; i--) {
    const day = today - i * DAY_MS;
    const { data } = await get<{ data: IgInsight[] }>(`/${userId}/insights`, {
      metric: IG_DAY_METRICS.join(','),
      period: 'day',
      metric_type: 'total_value',
      since: day / 1000,
      until: (day + DAY_MS) / 1000,
    });
    const metrics: Metrics = {};
    for (const entry of data)
      if (entry.total_value?.value !== undefined) metrics[entry.name] = entry.total_value.value;
    // No data yet (insights lag up to 48 h) is an empty answer, not zeros.
    if (Object.keys(metrics).length > 0)
      daily.push({ date: new Date(day).toISOString().slice(0, 10), metrics });
  }

  // Audience demographics: one request per breakdown.
  let audience: SeedAccount['audience'];
  if (me.followers_count >= IG_DEMOGRAPHICS_MIN_FOLLOWERS) {
    audience = {};
    for (const breakdown of IG_BREAKDOWNS) {
      const { data } = await get<{ data: IgInsight[] }>(`/${userId}/insights`, {
        metric: 'follower_demographics',
        period: 'lifetime',
        metric_type: 'total_value',
        breakdown,
      });
      const results = data[0]?.total_value?.breakdowns?.[0]?.results ?? [];
      audience[breakdown] = Object.fromEntries(results.map((r) => [r.dimension_values.join(', '), r.value]));
    }
  }

  // Every page of an edge, largest page size.
  const walk = async (edge: 'media' | 'stories', fields: string): Promise<IgMedia[]> => {
    const all: IgMedia[] = [];
    let after: string | undefined;
    do {
      const page = await get<IgPage>(`/${userId}/${edge}`, {
        fields,
        limit: IG_LIMIT,
        ...(after ? { after } : {}),
      });
      all.push(...page.data);
      after = page.paging?.next ? page.paging.cursors?.after : undefined;
    } while (after);
    return all;
  };

  const posts: SeedItem[] = [];
  for (const media of await walk('media', IG_MEDIA_FIELDS)) {
    const item = igItem('posts', media);
    if (media.like_count !== undefined) item.metrics.likes = media.like_count;
    if (media.comments_count !== undefined) item.metrics.comments = media.comments_count;
    const insights = await mediaInsights(media.id, { metric: IG_POST_INSIGHTS });
    Object.assign(item.metrics, igMetrics(insights ?? []));
    posts.push(item);
  }

  const stories: SeedItem[] = [];
  for (const media of await walk('stories', IG_STORY_FIELDS)) {
    const item = igItem('stories', media);
    const insights = await mediaInsights(media.id, { metric: IG_STORY_INSIGHTS });
    if (insights) {
      Object.assign(item.metrics, igMetrics(insights));
      const navigation = await mediaInsights(media.id, {
        metric: 'navigation',
        breakdown: 'story_navigation_action_type',
      });
      const entry = navigation?.find((e) => e.name === 'navigation');
      if (entry?.total_value?.value !== undefined) item.metrics.navigation = entry.total_value.value;
      for (const r of entry?.total_value?.breakdowns?.[0]?.results ?? [])
        item.attributes![`navigation_${r.dimension_values[0]}`] = r.value;
    }
    stories.push(item);
  }

  return {
    account: {
      accountId: userId,
      profile: {
        username: me.username,
        displayName: me.name ?? null,
        followers: me.followers_count,
        following: me.follows_count,
        postCount: me.media_count,
      },
      ...(daily.length > 0 ? { insights: daily.at(-1)!.metrics } : {}),
      daily,
      ...(audience ? { audience } : {}),
    },
    items: { posts, stories },
  };
}

/** A media's fields in the layout; metrics are added by the caller. */
function igItem(kind: 'posts' | 'stories', media: IgMedia): SeedItem & { metrics: Metrics } {
  const attributes: Record<string, string | number> = {};
  if (media.media_type !== undefined) attributes.mediaType = media.media_type;
  if (media.media_product_type !== undefined) attributes.mediaProductType = media.media_product_type;
  if (media.permalink !== undefined) attributes.permalink = media.permalink;
  return {
    kind,
    id: media.id,
    // Meta writes `2024-05-01T12:00:00+0000`; Date.parse wants the offset with a colon.
    createdAt: new Date(media.timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString(),
    text: media.caption ?? null,
    metrics: {},
    attributes,
  };
}

/** Lifetime media insights (`values[0].value`) under the layout's metric names. */
function igMetrics(entries: readonly IgInsight[]): Metrics {
  const out: Metrics = {};
  for (const entry of entries) {
    const name = IG_METRIC_NAMES[entry.name];
    const value = entry.values?.[0]?.value ?? entry.total_value?.value;
    if (name !== undefined && value !== undefined) out[name] = value;
  }
  return out;
}

// ── X ───────────────────────────────────────────────────────────────────────────────────────────────────

interface XTweet {
  id: string;
  text: string;
  created_at: string;
  public_metrics: {
    retweet_count: number;
    reply_count: number;
    like_count: number;
    quote_count: number;
    bookmark_count: number;
    impression_count: number;
  };
}

async function syncTwitter(config: Env, token: string): Promise<PlatformData> {
  const api = base(config.TWITTER_API_URL);
  const headers = { Authorization: `Bearer ${token}` };
  const { data: me } = (
    await axios.get<{
      data: {
        id: string;
        name: string;
        username: string;
        public_metrics: { followers_count: number; following_count: number; tweet_count: number };
      };
    }>(`${api}/2/users/me`, { headers, params: { 'user.fields': 'public_metrics' }, timeout: TIMEOUT_MS })
  ).data;

  const tweets: SeedItem[] = [];
  let next: string | undefined;
  do {
    const page = (
      await axios.get<{ data?: XTweet[]; meta: { next_token?: string } }>(`${api}/2/users/${me.id}/tweets`, {
        headers,
        params: {
          max_results: X_MAX_RESULTS,
          'tweet.fields': 'created_at,public_metrics',
          exclude: 'retweets',
          ...(next ? { pagination_token: next } : {}),
        },
        timeout: TIMEOUT_MS,
      })
    ).data;
    for (const t of page.data ?? []) {
      const m = t.public_metrics;
      tweets.push({
        kind: 'tweets',
        id: t.id,
        createdAt: new Date(t.created_at).toISOString(),
        text: t.text,
        metrics: {
          impressions: m.impression_count,
          likes: m.like_count,
          retweets: m.retweet_count,
          replies: m.reply_count,
          quotes: m.quote_count,
          bookmarks: m.bookmark_count,
        },
      });
    }
    next = page.meta.next_token;
  } while (next);

  return {
    account: {
      accountId: me.id,
      profile: {
        username: me.username,
        displayName: me.name === '' ? null : me.name,
        followers: me.public_metrics.followers_count,
        following: me.public_metrics.following_count,
        postCount: me.public_metrics.tweet_count,
      },
    },
    items: { tweets },
  };
}

// ── TikTok ──────────────────────────────────────────────────────────────────────────────────────────────

interface TikTokVideo {
  id: string;
  create_time: number;
  video_description?: string;
  duration?: number;
  title?: string;
  share_url?: string;
  view_count: number;
  like_count: number;
  comment_count: number;
  share_count: number;
}

async function syncTikTok(config: Env, token: string): Promise<PlatformData> {
  const api = base(config.TIKTOK_API_URL);
  const headers = { Authorization: `Bearer ${token}` };
  const { user } = (
    await axios.get<{
      data: {
        user: {
          open_id: string;
          username: string;
          display_name: string;
          follower_count: number;
          following_count: number;
          likes_count: number;
          video_count: number;
        };
      };
    }>(`${api}/v2/user/info/`, {
      headers,
      params: {
        fields: 'open_id,username,display_name,follower_count,following_count,likes_count,video_count',
      },
      timeout: TIMEOUT_MS,
    })
  ).data.data;

  const videos: SeedItem[] = [];
  let cursor: number | undefined;
  let hasMore = true;
  while (hasMore) {
    const page = (
      await axios.post<{ data: { videos?: TikTokVideo[]; cursor: number; has_more: boolean } }>(
        `${api}/v2/video/list/`,
        { max_count: TIKTOK_MAX_COUNT, ...(cursor !== undefined ? { cursor } : {}) },
        {
          headers,
          params: {
            fields:
              'id,create_time,video_description,duration,title,share_url,view_count,like_count,comment_count,share_count',
          },
          timeout: TIMEOUT_MS,
        },
      )
    ).data.data;
    for (const v of page.videos ?? []) {
      const attributes: Record<string, string | number> = {};
      if (v.duration !== undefined) attributes.durationSeconds = v.duration;
      if (v.title) attributes.title = v.title;
      if (v.share_url !== undefined) attributes.shareUrl = v.share_url;
      videos.push({
        kind: 'videos',
        id: v.id,
        createdAt: new Date(v.create_time * 1000).toISOString(),
        text: v.video_description || null,
        metrics: {
          views: v.view_count,
          likes: v.like_count,
          comments: v.comment_count,
          shares: v.share_count,
        },
        attributes,
      });
    }
    cursor = page.cursor;
    hasMore = page.has_more;
  }

  return {
    account: {
      accountId: user.open_id,
      profile: {
        username: user.username,
        displayName: user.display_name || null,
        followers: user.follower_count,
        following: user.following_count,
        postCount: user.video_count,
      },
      insights: {
        followers: user.follower_count,
        following: user.following_count,
        likes: user.likes_count,
        videos: user.video_count,
      },
    },
    items: { videos },
  };
}
