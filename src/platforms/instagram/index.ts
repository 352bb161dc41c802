/**
 * Instagram connector (Instagram API with Instagram Login): `createInstagramConnector(settings, deps)` implements
 * PlatformConnector on top of the Graph client, the OAuth provider, the pure mapper and the webhook handler.
 *
 * Call plan per sync (charged to the per-user hourly budget, bucket `*`):
 * - fetchAccount: 1 (`/me`) + 1 per UTC day of the range (last 30 days at most; the newest first, then up to 6 at
 *   once) + 4 demographics (≥ 100 followers) + 1 probe of the stories edge. A day request the platform refuses (one metric unavailable for this account) is
 *   asked metric by metric once; the refused metrics are then left out of the other days and reported in
 *   `unavailable` with the platform's reason.
 * - listItems: 1 per page with insights expanded inline; if the page's insights fail (legacy media, a story under
 *   5 viewers) 1 more for the page without them + 1 per media; stories add 1 per story for navigation.
 * - refreshItems: the Graph API has no batch lookup for IG media, so 1 per id (`GET /{media-id}` with inline
 *   insights), plus the same fallbacks. Prefer re-listing pages for bulk refreshes.
 */
import { isPlatformError, PlatformError } from '../errors';
import type {
  AccountSnapshot,
  CallUsage,
  DailyInsight,
  Item,
  ItemKind,
  ItemPage,
  ListItemsRequest,
  PlatformConnector,
  TokenSet,
} from '../types';
import { silentLogger, type Logger } from '../../shared/logger';
import { InstagramGraphClient, POST_FIELDS, STORY_FIELDS, type CallContext } from './client';
import { createInstagramHttp } from './http';
import type { RetryOptions } from '../http';
import { mapAudience, mapDailyInsight, mapMedia, mapProfile, MappingError } from './mapper';
import {
  ACCOUNT_DAY_METRICS,
  DEMOGRAPHIC_BREAKDOWNS,
  DEMOGRAPHICS_MIN_FOLLOWERS,
  POST_EXPANSION_METRICS,
  STORY_EXPANSION_METRICS,
  STORY_NAVIGATION_BREAKDOWN,
  type DemographicBreakdown,
} from './metrics';
import { createInstagramOAuth } from './oauth';
import { createInstagramSubscriptions } from './subscriptions';
import type { InsightEntry, MediaNode } from './schemas';
import type { InstagramSettings } from './settings';
import { createInstagramWebhookHandler } from './webhook';

export { instagramSettingsFromEnv, type InstagramSettings } from './settings';
export { WEBHOOK_FIELDS, type InstagramWebhookSubscriptions } from './subscriptions';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The Graph API answers account insights for at most 30 days per request; the connector reads the last 30. */
export const MAX_INSIGHT_DAYS = 30;
const DEFAULT_PAGE_SIZE = 50;
/**
 * Insights requests of one account in flight at once: daily account insights (one call per day; see fetchAccount)
 * and per-media fallbacks.
 */
const DAY_CONCURRENCY = 6;

/** Runs `work` for every value, at most `limit` at once; the first failure is thrown once all have settled. */
async function forEachConcurrently<T>(
  values: readonly T[],
  limit: number,
  work: (value: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < values.length && !failure) {
      const value = values[next++]!;
      try {
        await work(value);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, lane));
  if (failure) throw failure.err;
}
const MAX_PAGE_SIZE = 100;

export interface InstagramConnectorDeps {
  logger?: Logger;
  timeoutMs?: number;
  /** Clock for token expiry and retry times (tests pass the sandbox clock). */
  now?: () => number;
  /** Short in-call retries of transient failures (src/platforms/http/retry.ts); default 2 retries, 100-400 ms. */
  retry?: RetryOptions;
  /** Insights requests of one account in flight at once (daily insights, per-media fallbacks); default 6. */
  insightsConcurrency?: number;
}

type MediaKind = 'posts' | 'stories';

/** Meta's `code` of a classified error (`platformCode` is `code` or `code/subcode`). */
function metaCode(err: PlatformError): { code?: number; subcode?: number } {
  const [code, subcode] = String(err.platformCode ?? '').split('/');
  return { code: code ? Number(code) : undefined, subcode: subcode ? Number(subcode) : undefined };
}

/** An insights request the platform refused for this media (metric invalid, legacy media, < 5 viewers). */
function isInsightsRefusal(err: unknown): err is PlatformError {
  if (!isPlatformError(err, 'permanent')) return false;
  const { code, subcode } = metaCode(err);
  return code === 10 || (code === 100 && subcode !== 33);
}

/**
 * The platform refusing an account-level read for this account (a metric, breakdown or edge it does not serve here:
 * `(#10)`, `(#100)` invalid metric or field, `(#200)` permission): a platform verdict with a Meta code, not an
 * outage, not an unexpected shape, not a vanished object.
 */
function isAccountRefusal(err: unknown): err is PlatformError {
  return isPlatformError(err, 'permanent') && err.platformCode !== undefined && !isGone(err);
}

/** What `unavailable` stores: the platform's own message (no request data, no token), bounded. */
function reasonOf(err: PlatformError): string {
  const prefix = `${err.platform} ${err.endpoint}: `;
  const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return message.slice(0, 300);
}

function isGone(err: unknown): boolean {
  if (!isPlatformError(err, 'permanent')) return false;
  const { code, subcode } = metaCode(err);
  return code === 100 && subcode === 33;
}

function fieldsWithInsights(kind: MediaKind): string {
  const metrics = kind === 'posts' ? POST_EXPANSION_METRICS : STORY_EXPANSION_METRICS;
  return `${kind === 'posts' ? POST_FIELDS : STORY_FIELDS},insights.metric(${metrics.join(',')})`;
}

function metricsFor(node: MediaNode): readonly string[] {
  return node.media_product_type === 'STORY' ? STORY_EXPANSION_METRICS : POST_EXPANSION_METRICS;
}

export function createInstagramConnector(
  settings: InstagramSettings,
  deps: InstagramConnectorDeps = {},
): PlatformConnector {
  const logger = (deps.logger ?? silentLogger).child({ module: 'instagram' });
  const insightsConcurrency = Math.max(1, Math.floor(deps.insightsConcurrency ?? DAY_CONCURRENCY));
  const now = deps.now ?? Date.now;
  const http = createInstagramHttp({ timeoutMs: deps.timeoutMs ?? 20_000, logger, now, retry: deps.retry });
  const client = new InstagramGraphClient(settings, http);
  const oauth = createInstagramOAuth({
    settings,
    http,
    logger,
    now,
    me: (accessToken) => client.me({ token: accessToken, usage: {} }),
  });
  const subscriptions = createInstagramSubscriptions({ settings, http });
  const webhooks = createInstagramWebhookHandler({
    appSecret: settings.clientSecret,
    verifyToken: settings.webhookVerifyToken,
  });

  function mapped<T>(endpoint: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof MappingError) {
        throw new PlatformError('permanent', `unexpected response: ${err.message}`, {
          platform: 'instagram',
          endpoint,
        });
      }
      throw err;
    }
  }

  /** Per-media insights; one refused metric must not lose the others, so a refused set is asked metric by metric. */
  async function insightsOf(
    ctx: CallContext,
    mediaId: string,
    metrics: readonly string[],
  ): Promise<InsightEntry[]> {
    try {
      return (await client.mediaInsights({ ...ctx, mediaId, metrics })).data;
    } catch (err) {
      if (!isInsightsRefusal(err) && !isGone(err)) throw err;
      const { code } = metaCode(err as PlatformError);
      if (code === 100 && metrics.length > 1 && !isGone(err)) {
        const parts = await Promise.all(metrics.map((m) => insightsOf(ctx, mediaId, [m])));
        return parts.flat();
      }
      // (#10): legacy media or a story under 5 viewers: the platform has no insights; the metrics stay absent.
      logger.debug({ mediaId, reason: (err as Error).message }, 'instagram media has no insights');
      return [];
    }
  }

  async function navigationOf(ctx: CallContext, storyId: string): Promise<InsightEntry[]> {
    try {
      return (
        await client.mediaInsights({
          ...ctx,
          mediaId: storyId,
          metrics: ['navigation'],
          breakdown: STORY_NAVIGATION_BREAKDOWN,
        })
      ).data;
    } catch (err) {
      if (isInsightsRefusal(err) || isGone(err)) return [];
      throw err;
    }
  }

  /** Extra insights of nodes fetched without inline insights (fallback), and story navigation. */
  async function completeNodes(
    ctx: CallContext,
    kind: MediaKind,
    nodes: MediaNode[],
    inline: boolean,
  ): Promise<Item[]> {
    const items: (Item | undefined)[] = nodes.map(() => undefined);
    // A few media at a time: the calls are as many either way (the budget counts calls, not their pace), and a page
    // that fell back to per-media insights is one call per media.
    await forEachConcurrently([...nodes.keys()], insightsConcurrency, async (i) => {
      const node = nodes[i]!;
      const extra = inline ? [] : await insightsOf(ctx, node.id, metricsFor(node));
      const hasInsights = (node.insights?.data.length ?? 0) > 0 || extra.length > 0;
      if (kind === 'stories' && hasInsights) extra.push(...(await navigationOf(ctx, node.id)));
      items[i] = mapped(`GET /{ig-user-id}/${kind === 'posts' ? 'media' : 'stories'}`, () =>
        mapMedia(kind, node, extra),
      );
    });
    return items as Item[];
  }

  /**
   * One day's account metrics. One refused metric fails the whole request, so a refusal is answered by asking each
   * metric alone: the refused ones land in `unavailable`, the others are kept.
   */
  async function dayEntries(
    ctx: CallContext,
    userId: string,
    dayStart: number,
    metrics: readonly string[],
    unavailable: Record<string, string>,
  ): Promise<InsightEntry[]> {
    if (metrics.length === 0) return [];
    try {
      const answer = await client.accountInsights({
        ...ctx,
        userId,
        metrics,
        since: dayStart / 1000,
        until: (dayStart + DAY_MS) / 1000,
      });
      return answer.data;
    } catch (err) {
      if (!isAccountRefusal(err)) throw err;
      if (metrics.length === 1) {
        unavailable[metrics[0]!] = reasonOf(err);
        return [];
      }
      logger.info({ reason: err.message }, 'instagram account insights refused; asking metric by metric');
      const parts: InsightEntry[] = [];
      for (const metric of metrics)
        parts.push(...(await dayEntries(ctx, userId, dayStart, [metric], unavailable)));
      return parts;
    }
  }

  /** Demographics per breakdown; a refused breakdown is recorded, the others are kept. */
  async function audienceOf(
    ctx: CallContext,
    userId: string,
    followers: number,
    unavailable: Record<string, string>,
  ) {
    const byBreakdown: Partial<Record<DemographicBreakdown, InsightEntry[]>> = {};
    if (followers < DEMOGRAPHICS_MIN_FOLLOWERS) {
      unavailable.follower_demographics = `not requested: the platform gives demographics only to accounts with at least ${DEMOGRAPHICS_MIN_FOLLOWERS} followers`;
      return mapAudience(byBreakdown);
    }
    for (const breakdown of DEMOGRAPHIC_BREAKDOWNS) {
      try {
        byBreakdown[breakdown] = (await client.demographics({ ...ctx, userId, breakdown })).data;
      } catch (err) {
        if (!isAccountRefusal(err)) throw err;
        unavailable[`follower_demographics:${breakdown}`] = reasonOf(err);
      }
    }
    return mapAudience(byBreakdown);
  }

  /** The stories edge is not served to every account (nor confirmed for every setup): probe it, record a refusal. */
  async function probeStories(ctx: CallContext, userId: string, unavailable: Record<string, string>) {
    try {
      await client.edge({ ...ctx, userId, edge: 'stories', fields: 'id', limit: 1 });
    } catch (err) {
      if (!isAccountRefusal(err)) throw err;
      unavailable.stories = reasonOf(err);
    }
  }

  async function fetchAccount(
    token: TokenSet,
    range: { since: Date; until: Date },
  ): Promise<AccountSnapshot> {
    const usage: CallUsage = {};
    const ctx = { token: token.accessToken, usage };
    const me = await client.me(ctx);
    const profile = mapped('GET /me', () => mapProfile(me));
    // `user_id` is the professional account id; `id` is app-scoped and never used in a path.
    const userId = me.user_id ?? token.accountId;
    const unavailable: Record<string, string> = {};

    const until = range.until.getTime();
    const days: number[] = [];
    for (let d = Math.floor(range.since.getTime() / DAY_MS) * DAY_MS; d < until; d += DAY_MS) days.push(d);
    const oneDay = async (day: number): Promise<DailyInsight | undefined> => {
      const metrics = ACCOUNT_DAY_METRICS.filter((m) => unavailable[m] === undefined);
      const entries = await dayEntries(ctx, userId, day, metrics, unavailable);
      return mapDailyInsight(new Date(day).toISOString().slice(0, 10), entries);
    };
    // One call per day is the fewest the API allows: with period=day, `metric_type=total_value` sums the whole
    // since..until range into one value, and only `reach` has a `time_series` (docs/sync-engine.md). The newest day
    // goes first and alone, so a metric refused for this account is learned once and left out of the other days;
    // those are then asked a few at a time. Demographics and the stories probe go meanwhile.
    const dailyInsights = async (): Promise<DailyInsight[]> => {
      const wanted = days.slice(-MAX_INSIGHT_DAYS);
      const byDay = new Map<number, DailyInsight | undefined>();
      const newest = wanted.at(-1);
      if (newest !== undefined) byDay.set(newest, await oneDay(newest));
      await forEachConcurrently(wanted.slice(0, -1), insightsConcurrency, async (day) => {
        byDay.set(day, await oneDay(day));
      });
      return wanted.map((day) => byDay.get(day)).filter((d): d is DailyInsight => d !== undefined);
    };
    const audienceNow = () => audienceOf(ctx, userId, profile.followers ?? 0, unavailable);
    // One at a time (insightsConcurrency 1): the calls in the order they always had.
    const [daily, audience] =
      insightsConcurrency > 1
        ? await Promise.all([dailyInsights(), audienceNow(), probeStories(ctx, userId, unavailable)])
        : [await dailyInsights(), await audienceNow(), await probeStories(ctx, userId, unavailable)];

    const latest = daily.at(-1);
    return {
      accountId: userId,
      profile,
      ...(latest ? { insights: latest.metrics } : {}),
      daily,
      ...(audience ? { audience } : {}),
      ...(Object.keys(unavailable).length > 0 ? { unavailable } : {}),
      usage,
    };
  }

  function assertKind(kind: ItemKind, endpoint: string): asserts kind is MediaKind {
    if (kind !== 'posts' && kind !== 'stories') {
      throw new PlatformError('unsupported', `Instagram has no ${kind}`, { platform: 'instagram', endpoint });
    }
  }

  async function listItems(token: TokenSet, req: ListItemsRequest): Promise<ItemPage> {
    const edge = req.kind === 'stories' ? 'stories' : 'media';
    assertKind(req.kind, `GET /{ig-user-id}/${edge}`);
    const kind = req.kind;
    const usage: CallUsage = {};
    const ctx = { token: token.accessToken, usage };
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(req.pageSize ?? DEFAULT_PAGE_SIZE)));
    const page = { ...ctx, userId: token.accountId, edge, limit, after: req.cursor } as const;
    let answer;
    let inline = true;
    try {
      answer = await client.edge({ ...page, fields: fieldsWithInsights(kind) });
    } catch (err) {
      // One media on the page refused the inline metrics: the whole call fails, so read the page plain and ask
      // each media's insights separately.
      if (!isInsightsRefusal(err)) throw err;
      logger.info({ kind, reason: err.message }, 'instagram inline insights refused; per-media fallback');
      try {
        answer = await client.edge({ ...page, fields: kind === 'posts' ? POST_FIELDS : STORY_FIELDS });
      } catch (plainErr) {
        // The stories edge itself refused for this account: no stories to read (fetchAccount records the reason).
        // Never for posts: an empty media page would mark every stored post deleted.
        if (kind === 'stories' && isAccountRefusal(plainErr)) return { items: [], usage };
        throw plainErr;
      }
      inline = false;
    }
    const items = await completeNodes(ctx, kind, answer.data, inline);
    const after = answer.paging?.cursors?.after;
    return { items, ...(answer.paging?.next && after ? { nextCursor: after } : {}), usage };
  }

  async function refreshItems(token: TokenSet, req: { kind: ItemKind; ids: string[] }) {
    const usage: CallUsage = {};
    if (req.kind !== 'posts' && req.kind !== 'stories')
      return { items: [], missing: [], unsupported: [...req.ids], usage };
    const kind = req.kind;
    const ctx = { token: token.accessToken, usage };
    const items: Item[] = [];
    const missing: string[] = [];
    for (const mediaId of req.ids) {
      try {
        let node: MediaNode;
        let inline = true;
        try {
          node = await client.media({ ...ctx, mediaId, fields: fieldsWithInsights(kind) });
        } catch (err) {
          if (!isInsightsRefusal(err)) throw err;
          node = await client.media({
            ...ctx,
            mediaId,
            fields: kind === 'posts' ? POST_FIELDS : STORY_FIELDS,
          });
          inline = false;
        }
        items.push(...(await completeNodes(ctx, kind, [node], inline)));
      } catch (err) {
        // Deleted posts and stories older than 24 h answer "object does not exist" (100/33).
        if (isGone(err)) missing.push(mediaId);
        else throw err;
      }
    }
    return { items, missing, usage };
  }

  return {
    id: 'instagram',
    oauth,
    webhooks,
    subscriptions,
    rateLimits: [{ bucket: '*', limit: settings.callsPerHour, windowMs: HOUR_MS }],
    fetchAccount,
    listItems,
    refreshItems,
  };
}
