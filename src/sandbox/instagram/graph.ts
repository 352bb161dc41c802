/**
 * Graph API data endpoints of the sandbox (graph.instagram.com): `/me`, `/{ig-user-id}`, `/{ig-user-id}/insights`,
 * `/{ig-user-id}/media`, `/{ig-user-id}/stories`, `/{media-id}`, `/{media-id}/insights`. Handlers return the JSON
 * body or throw a `MetaError`; authentication, appsecret_proof and rate limits happen in `authenticate`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ACCOUNT_DAY_METRICS,
  DEAD_MEDIA_METRICS,
  DEMOGRAPHIC_BREAKDOWNS,
  DEMOGRAPHIC_METRICS,
  DEMOGRAPHICS_MIN_FOLLOWERS,
  MEDIA_INSIGHT_METRICS,
  WEBHOOK_BASIC_PERMISSION,
  WEBHOOK_FIELD_PERMISSIONS,
  STORY_NAVIGATION_ACTIONS,
  STORY_NAVIGATION_BREAKDOWN,
  TIME_SERIES_METRICS,
  type DemographicBreakdown,
} from './facts';
import type { TokenRecord } from './auth';
import { parseFields, type FieldSpec } from './fields';
import { MetaError, metaErrors } from './meta-errors';
import { APP_KEY, type InstagramSandboxState, type RefusalRule } from './state';
import { DAY_MS, MIN_STORY_VIEWERS, type AccountRecord, type MediaRecord } from './world';

export interface GraphRequest {
  method: string;
  /** Path without the `/vNN.0` prefix. */
  path: string;
  versionPrefix: string;
  origin: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Response headers collected while serving (usage headers are sent with errors too). */
  responseHeaders: Record<string, string>;
}

/** IG User fields: https://developers.facebook.com/docs/instagram-platform/reference/instagram-user */
const USER_FIELDS = [
  'id',
  'user_id',
  'username',
  'name',
  'profile_picture_url',
  'followers_count',
  'follows_count',
  'media_count',
  'account_type',
  'biography',
  'website',
] as const;

/** IG Media fields: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media */
const MEDIA_FIELDS = new Set([
  'id',
  'caption',
  'media_type',
  'media_product_type',
  'permalink',
  'timestamp',
  'like_count',
  'comments_count',
  'shortcode',
  'username',
  'media_url',
  'thumbnail_url',
  'is_comment_enabled',
  'owner',
  'insights',
]);

const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;
const MAX_RANGE_S = 30 * 86_400;
const TIMEFRAMES = ['this_week', 'this_month', 'last_14_days', 'last_30_days', 'last_90_days', 'prev_month'];

/** `2024-05-01T12:00:00+0000`, as Meta writes instants. */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export function appsecretProof(token: string, secret: string): string {
  return createHmac('sha256', secret).update(token).digest('hex');
}

function tokenOf(req: GraphRequest): string | undefined {
  if (req.query.access_token) return req.query.access_token;
  const auth = req.headers.authorization;
  const m = auth ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth) : null;
  return m?.[1];
}

/** The account a request acts for, if its token is known (for the request log; never throws). */
export function peekUser(state: InstagramSandboxState, req: GraphRequest): string | undefined {
  try {
    return state.auth.check(tokenOf(req)).accountId;
  } catch {
    return undefined;
  }
}

/** Token → appsecret_proof → app and user windows; sets the usage headers Meta sends on every Graph answer. */
export function authenticate(state: InstagramSandboxState, req: GraphRequest): TokenRecord {
  const token = tokenOf(req);
  const record = state.auth.check(token);
  const proof = req.query.appsecret_proof;
  if (proof !== undefined) {
    const expected = Buffer.from(appsecretProof(token!, state.credentials.clientSecret));
    const given = Buffer.from(proof);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw metaErrors.invalidProof();
  } else if (state.app.requireProof) {
    throw metaErrors.missingProof();
  }
  const user = record.accountId;
  const appLimited = state.appLimiter.isLimited(APP_KEY);
  const userLimited = state.userLimiter.isLimited(user);
  if (!appLimited && !userLimited) {
    state.appLimiter.tryHit(APP_KEY);
    state.userLimiter.tryHit(user);
  }
  Object.assign(req.responseHeaders, usageHeaders(state, user));
  if (appLimited) throw metaErrors.appLimit();
  if (userLimited) throw metaErrors.userLimit();
  return record;
}

export function usageHeaders(
  state: InstagramSandboxState,
  user: string,
  regainMinutes?: number,
): Record<string, string> {
  const app = state.appLimiter.usagePercent(APP_KEY);
  const own = state.userLimiter.usagePercent(user);
  const limited = state.userLimiter.isLimited(user);
  const minutes =
    regainMinutes ??
    (limited ? Math.max(1, Math.ceil((state.userLimiter.resetAt(user) - state.clock.now()) / 60_000)) : 0);
  return {
    'x-app-usage': JSON.stringify({
      call_count: app,
      total_cputime: Math.round(app / 4),
      total_time: Math.round(app / 3),
    }),
    'x-business-use-case-usage': JSON.stringify({
      [user]: [
        {
          type: 'instagram',
          call_count: own,
          total_cputime: Math.round(own / 4),
          total_time: Math.round(own / 3),
          estimated_time_to_regain_access: minutes,
        },
      ],
    }),
  };
}

function ownAccount(state: InstagramSandboxState, token: TokenRecord, id: string): AccountRecord {
  if (id !== 'me' && id !== token.accountId) throw metaErrors.unsupportedGet(id);
  const account = state.world.account(token.accountId);
  if (!account) throw metaErrors.unsupportedGet(id);
  return account;
}

/** The first refusal rule that applies to this account and request, if any. */
function refusal(
  state: InstagramSandboxState,
  account: AccountRecord,
  match: (rule: RefusalRule) => boolean,
): RefusalRule | undefined {
  return state.refusals.find((r) => (r.accountId === undefined || r.accountId === account.id) && match(r));
}

function refusalError(rule: RefusalRule, fallback: NonNullable<RefusalRule['error']>): MetaError {
  switch (rule.error ?? fallback) {
    case 'not_enough_viewers':
      return metaErrors.notEnoughViewers();
    case 'not_enough_followers':
      return metaErrors.notEnoughFollowers();
    case 'nonexisting_field':
      return metaErrors.nonexistingField(rule.edge ?? rule.metric ?? 'unknown', 'User');
    case 'invalid_metric':
      return metaErrors.badParam(
        `metric[0] must be one of the following values: ${ACCOUNT_DAY_METRICS.filter((m) => m !== rule.metric).join(', ')}`,
      );
  }
}

export function renderUser(
  state: InstagramSandboxState,
  account: AccountRecord,
  fieldsParam?: string,
): Record<string, unknown> {
  const fields = parseFields(fieldsParam);
  const names = fields.length ? fields.map((f) => f.name) : ['id'];
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (!(USER_FIELDS as readonly string[]).includes(name)) throw metaErrors.nonexistingField(name, 'User');
    const value = {
      // `id` is app-scoped; `user_id` is the professional account id (the one graph paths and webhooks use).
      id: account.appScopedId,
      user_id: account.id,
      username: account.username,
      name: account.name,
      profile_picture_url: `https://scontent.cdninstagram.com/v/${account.id}/profile.jpg`,
      followers_count: account.followers,
      follows_count: account.follows,
      media_count: state.world.posts(account).length,
      account_type: account.accountType,
      biography: account.biography,
      website: account.website,
    }[name as (typeof USER_FIELDS)[number]];
    // Meta omits fields the account has no value for (no name, no website).
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Validates a metric list for one media, as the platform would: one bad metric fails the whole request. */
function checkMediaMetrics(
  state: InstagramSandboxState,
  media: MediaRecord,
  metrics: string[],
  breakdown?: string,
): void {
  if (metrics.length === 0) throw metaErrors.badParam('The parameter metric is required');
  const valid = MEDIA_INSIGHT_METRICS[media.productType];
  for (const m of metrics) {
    if ((DEAD_MEDIA_METRICS as readonly string[]).includes(m)) {
      throw metaErrors.badParam(
        `Starting from v22.0 and for all versions after April 21, 2025, the ${m} metric is no longer supported.`,
      );
    }
    if (!valid.includes(m)) {
      throw metaErrors.badParam(
        `The Media Insights API does not support the ${m} metric for this media product type.`,
      );
    }
  }
  if (breakdown !== undefined) {
    if (breakdown !== STORY_NAVIGATION_BREAKDOWN || metrics.some((m) => m !== 'navigation')) {
      throw metaErrors.badParam(`The breakdown ${breakdown} is only supported for the navigation metric.`);
    }
  }
  if (media.legacy) throw metaErrors.beforeConversion();
  if (media.kind === 'stories' && state.world.metricsOf(media).reach < MIN_STORY_VIEWERS)
    throw metaErrors.notEnoughViewers();
}

const TITLES: Record<string, string> = {
  reach: 'Accounts reached',
  views: 'Views',
  saved: 'Saved',
  shares: 'Shares',
  likes: 'Likes',
  comments: 'Comments',
  replies: 'Replies',
  navigation: 'Navigation',
};

function mediaInsights(
  state: InstagramSandboxState,
  media: MediaRecord,
  metrics: string[],
  breakdown?: string,
): { data: Record<string, unknown>[] } {
  checkMediaMetrics(state, media, metrics, breakdown);
  const raw = state.world.metricsOf(media);
  const values: Record<string, number> = {
    views: raw.views,
    reach: raw.reach,
    likes: raw.like_count,
    comments: raw.comments_count,
    saved: raw.saved,
    shares: raw.shares,
    replies: raw.replies,
    total_interactions: raw.total_interactions,
    follows: raw.follows,
    profile_visits: raw.profile_visits,
    ig_reels_avg_watch_time: raw.ig_reels_avg_watch_time,
    ig_reels_video_view_total_time: raw.ig_reels_video_view_total_time,
    navigation: STORY_NAVIGATION_ACTIONS.reduce((sum, k) => sum + raw.navigation[k], 0),
  };
  return {
    data: [...new Set(metrics)].map((name) => {
      const base = {
        name,
        period: 'lifetime',
        title: TITLES[name] ?? name,
        description: `Lifetime ${name} of this media.`,
        id: `${media.id}/insights/${name}/lifetime`,
      };
      if (breakdown !== undefined) {
        return {
          ...base,
          total_value: {
            value: values[name],
            breakdowns: [
              {
                dimension_keys: [STORY_NAVIGATION_BREAKDOWN],
                results: STORY_NAVIGATION_ACTIONS.map((k) => ({
                  dimension_values: [k],
                  value: raw.navigation[k],
                })),
              },
            ],
          },
        };
      }
      return { ...base, values: [{ value: values[name] }] };
    }),
  };
}

function renderMedia(
  state: InstagramSandboxState,
  media: MediaRecord,
  fields: FieldSpec[],
): Record<string, unknown> {
  const specs = fields.length ? fields : [{ name: 'id', modifiers: {} }];
  const account = state.world.account(media.accountId)!;
  const raw = state.world.metricsOf(media);
  const isStory = media.kind === 'stories';
  const out: Record<string, unknown> = {};
  for (const f of specs) {
    if (!MEDIA_FIELDS.has(f.name)) throw metaErrors.nonexistingField(f.name, 'IGMedia');
    switch (f.name) {
      case 'id':
        out.id = media.id;
        break;
      case 'caption':
        if (media.caption !== undefined) out.caption = media.caption;
        break;
      case 'media_type':
        out.media_type = media.mediaType;
        break;
      case 'media_product_type':
        out.media_product_type = media.productType;
        break;
      case 'permalink':
        out.permalink = permalinkOf(account, media);
        break;
      case 'timestamp':
        out.timestamp = metaTime(media.createdAt);
        break;
      case 'like_count':
        // Stories carry no like or comment counts.
        if (!isStory) out.like_count = raw.like_count;
        break;
      case 'comments_count':
        if (!isStory) out.comments_count = raw.comments_count;
        break;
      case 'shortcode':
        out.shortcode = media.shortcode;
        break;
      case 'username':
        out.username = account.username;
        break;
      case 'media_url':
        out.media_url = `https://scontent.cdninstagram.com/v/${media.id}.${media.mediaType === 'VIDEO' ? 'mp4' : 'jpg'}`;
        break;
      case 'thumbnail_url':
        if (media.mediaType === 'VIDEO')
          out.thumbnail_url = `https://scontent.cdninstagram.com/v/${media.id}_thumb.jpg`;
        break;
      case 'is_comment_enabled':
        out.is_comment_enabled = true;
        break;
      case 'owner':
        out.owner = { id: account.id };
        break;
      case 'insights':
        out.insights = mediaInsights(state, media, f.modifiers.metric ?? [], f.modifiers.breakdown?.[0]);
        break;
    }
  }
  return out;
}

export function permalinkOf(account: AccountRecord, media: MediaRecord): string {
  const kind =
    media.kind === 'stories' ? `stories/${account.username}` : media.productType === 'REELS' ? 'reel' : 'p';
  return `https://www.instagram.com/${kind}/${media.shortcode}/`;
}

function cursorOf(media: MediaRecord): string {
  return Buffer.from(`${media.createdAt}_${media.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('_');
  if (!at || !id || !Number.isFinite(Number(at))) throw metaErrors.badParam('Invalid cursor provided');
  return { createdAt: Number(at), id };
}

/** Sort order of the edges: newest first, ties by id descending. */
function isOlder(m: MediaRecord, c: { createdAt: number; id: string }): boolean {
  return m.createdAt < c.createdAt || (m.createdAt === c.createdAt && m.id < c.id);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE;
  if (!/^\d+$/.test(raw)) throw metaErrors.badParam('Param limit must be a number');
  return Math.min(MAX_PAGE, Math.max(1, Number(raw)));
}

/** Cursor paging as the Graph API does it: `paging.cursors.{before,after}`, `next`/`previous` only when they exist. */
function edgePage(
  state: InstagramSandboxState,
  req: GraphRequest,
  items: MediaRecord[],
): Record<string, unknown> {
  const limit = parseLimit(req.query.limit);
  const fields = parseFields(req.query.fields);
  let start = 0;
  let end: number;
  if (req.query.after) {
    const c = decodeCursor(req.query.after);
    start = items.findIndex((m) => isOlder(m, c));
    if (start < 0) start = items.length;
    end = Math.min(items.length, start + limit);
  } else if (req.query.before) {
    const c = decodeCursor(req.query.before);
    const newer = items.findIndex((m) => isOlder(m, c) || (m.createdAt === c.createdAt && m.id === c.id));
    end = newer < 0 ? items.length : newer;
    start = Math.max(0, end - limit);
  } else {
    end = Math.min(items.length, limit);
  }
  const page = items.slice(start, end);
  const data = page.map((m) => renderMedia(state, m, fields));
  if (page.length === 0) return { data };
  const link = (key: 'after' | 'before', cursor: string) => {
    const params = new URLSearchParams(req.query);
    params.delete('after');
    params.delete('before');
    params.set('limit', String(limit));
    params.set(key, cursor);
    return `${req.origin}${req.versionPrefix}${req.path}?${params.toString()}`;
  };
  const paging: Record<string, unknown> = {
    cursors: { before: cursorOf(page[0]!), after: cursorOf(page.at(-1)!) },
  };
  if (end < items.length) paging.next = link('after', cursorOf(page.at(-1)!));
  if (start > 0) paging.previous = link('before', cursorOf(page[0]!));
  return { data, paging };
}

function parseSeconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw metaErrors.badParam(`Param ${name} must be a UNIX timestamp`);
  return Number(raw);
}

function accountInsights(state: InstagramSandboxState, req: GraphRequest, account: AccountRecord): unknown {
  const metrics = (req.query.metric ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (metrics.length === 0) throw metaErrors.badParam('The parameter metric is required');
  const demographic = metrics.filter((m) => (DEMOGRAPHIC_METRICS as readonly string[]).includes(m));
  if (demographic.length > 0) return demographics(state, req, account, metrics);
  metrics.forEach((m, i) => {
    if (m === 'impressions') {
      throw metaErrors.badParam(
        'impressions metric is no longer supported for all versions since April 21, 2025; use views',
      );
    }
    if (!(ACCOUNT_DAY_METRICS as readonly string[]).includes(m)) {
      throw metaErrors.badParam(
        `metric[${i}] must be one of the following values: ${ACCOUNT_DAY_METRICS.join(', ')}`,
      );
    }
  });
  for (const m of metrics) {
    const rule = refusal(state, account, (r) => r.metric === m && r.breakdown === undefined);
    if (rule) throw refusalError(rule, 'invalid_metric');
  }
  if (!req.query.period) throw metaErrors.badParam('The parameter period is required');
  if (req.query.period !== 'day')
    throw metaErrors.badParam(`Incompatible period: ${req.query.period}; these metrics support day`);
  const metricType = req.query.metric_type ?? 'time_series';
  if (metricType !== 'time_series' && metricType !== 'total_value') {
    throw metaErrors.badParam('metric_type must be one of the following values: time_series, total_value');
  }
  if (metricType === 'time_series') {
    const bad = metrics.filter((m) => !TIME_SERIES_METRICS.includes(m));
    if (bad.length)
      throw metaErrors.badParam(
        `The following metrics (${bad.join(', ')}) should be specified with parameter metric_type=total_value`,
      );
  }
  const now = state.clock.nowSeconds();
  const until = parseSeconds('until', req.query.until) ?? now;
  const since = parseSeconds('since', req.query.since) ?? until - 86_400;
  if (since >= until) throw metaErrors.badParam('The since parameter must be before the until parameter');
  if (until - since > MAX_RANGE_S)
    throw metaErrors.badParam('The since and until parameters must be no more than 30 days apart');
  const days: { start: number; values: Record<string, number> }[] = [];
  for (let d = Math.floor((since * 1000) / DAY_MS) * DAY_MS; d < until * 1000; d += DAY_MS) {
    const values = state.world.dayMetrics(account, d);
    if (values) days.push({ start: d, values: values as Record<string, number> });
  }
  const data: Record<string, unknown>[] = [];
  for (const name of metrics) {
    const withValue = days.filter((d) => d.values[name] !== undefined);
    // No data is an empty set, never a zero.
    if (withValue.length === 0) continue;
    const base = {
      name,
      period: 'day',
      title: TITLES[name] ?? name,
      description: `Daily ${name} of the account.`,
      id: `${account.id}/insights/${name}/day`,
    };
    if (metricType === 'total_value') {
      data.push({ ...base, total_value: { value: withValue.reduce((s, d) => s + d.values[name]!, 0) } });
    } else {
      data.push({
        ...base,
        values: withValue.map((d) => ({ value: d.values[name]!, end_time: metaTime(d.start + DAY_MS) })),
      });
    }
  }
  return { data };
}

function demographics(
  state: InstagramSandboxState,
  req: GraphRequest,
  account: AccountRecord,
  metrics: string[],
): unknown {
  const bad = metrics.find((m) => !(DEMOGRAPHIC_METRICS as readonly string[]).includes(m));
  if (bad)
    throw metaErrors.badParam(`The metric ${bad} cannot be requested together with demographic metrics`);
  if (req.query.period !== 'lifetime')
    throw metaErrors.badParam('Demographic metrics only support period=lifetime');
  if (req.query.metric_type !== 'total_value')
    throw metaErrors.badParam('Demographic metrics only support metric_type=total_value');
  const breakdown = req.query.breakdown;
  if (!breakdown || !(DEMOGRAPHIC_BREAKDOWNS as readonly string[]).includes(breakdown)) {
    throw metaErrors.badParam(
      `breakdown must be one of the following values: ${DEMOGRAPHIC_BREAKDOWNS.join(', ')}`,
    );
  }
  if (req.query.timeframe !== undefined && !TIMEFRAMES.includes(req.query.timeframe)) {
    throw metaErrors.badParam(`timeframe must be one of the following values: ${TIMEFRAMES.join(', ')}`);
  }
  if (account.followers < DEMOGRAPHICS_MIN_FOLLOWERS) throw metaErrors.notEnoughFollowers();
  const rule = refusal(
    state,
    account,
    (r) =>
      (r.breakdown === undefined || r.breakdown === breakdown) &&
      (r.metric === undefined ? r.breakdown !== undefined : metrics.includes(r.metric)),
  );
  if (rule) throw refusalError(rule, 'not_enough_followers');
  return {
    data: metrics.map((name) => ({
      name,
      period: 'lifetime',
      title: name === 'follower_demographics' ? 'Follower demographics' : 'Engaged audience demographics',
      description: `The demographic characteristics of the ${name === 'follower_demographics' ? 'followers' : 'engaged audience'}.`,
      total_value: {
        breakdowns: [
          {
            dimension_keys: [breakdown],
            results: state.world
              .demographics(account, breakdown as DemographicBreakdown, name !== 'follower_demographics')
              .map(([dimension, value]) => ({ dimension_values: [dimension], value })),
          },
        ],
      },
      id: `${account.id}/insights/${name}/lifetime`,
    })),
  };
}

/** Routes one authenticated Graph data request. */
export function serveGraph(state: InstagramSandboxState, req: GraphRequest): unknown {
  const segments = req.path.split('/').filter(Boolean);
  if (segments.length === 0 || segments.length > 2) throw metaErrors.unknownPath();
  // Only the subscribed_apps edge takes POST and DELETE; everything else here is read-only.
  const writable = segments[1] === 'subscribed_apps';
  if (req.method !== 'GET' && !(writable && (req.method === 'POST' || req.method === 'DELETE')))
    throw metaErrors.badParam(`Unsupported ${req.method.toLowerCase()} request.`);
  const token = authenticate(state, req);
  const [id, edge] = segments as [string, string | undefined];
  const isUser = id === 'me' || state.world.accounts.has(id);
  if (isUser) {
    const account = ownAccount(state, token, id);
    if (edge === 'media' || edge === 'stories') {
      const rule = refusal(state, account, (r) => r.edge === edge);
      if (rule) throw refusalError(rule, 'nonexisting_field');
    }
    switch (edge) {
      case 'subscribed_apps':
        return subscribedApps(state, req, token, account);
      case undefined:
        return renderUser(state, account, req.query.fields);
      case 'insights':
        return accountInsights(state, req, account);
      case 'media':
        return edgePage(state, req, state.world.posts(account));
      case 'stories':
        return edgePage(state, req, state.world.stories(account));
      default:
        throw metaErrors.nonexistingField(edge, 'User');
    }
  }
  const media = state.world.findMedia(id);
  if (!media || media.accountId !== token.accountId) throw metaErrors.unsupportedGet(id);
  if (edge === undefined) return renderMedia(state, media, parseFields(req.query.fields));
  if (edge === 'insights') {
    const metrics = (req.query.metric ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (req.query.period !== undefined && req.query.period !== 'lifetime') {
      throw metaErrors.badParam('Media insights only support period=lifetime');
    }
    return mediaInsights(state, media, metrics, req.query.breakdown);
  }
  throw metaErrors.nonexistingField(edge, 'IGMedia');
}

/**
 * `GET|POST|DELETE /{ig-user-id}/subscribed_apps` with the account's own token: list, set (`subscribed_fields`,
 * comma-separated, each field needing its permission) or remove this app's webhook subscription for the account.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/webhooks
 */
function subscribedApps(
  state: InstagramSandboxState,
  req: GraphRequest,
  token: TokenRecord,
  account: AccountRecord,
): unknown {
  if (req.method === 'DELETE') {
    state.subscriptions.delete(account.id);
    return { success: true };
  }
  if (req.method === 'GET') {
    const fields = state.subscriptions.get(account.id);
    if (!fields || fields.size === 0) return { data: [] };
    return {
      data: [
        {
          id: state.credentials.clientId,
          name: 'socialsync sandbox app',
          subscribed_fields: [...fields].sort(),
        },
      ],
    };
  }
  const raw = req.query.subscribed_fields;
  if (raw === undefined || raw.trim() === '')
    throw metaErrors.badParam('The parameter subscribed_fields is required.');
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const known = Object.keys(WEBHOOK_FIELD_PERMISSIONS);
  fields.forEach((field, i) => {
    if (!known.includes(field)) {
      throw metaErrors.badParam(
        `Param subscribed_fields[${i}] must be one of {${known.join(', ')}} - got "${field}".`,
      );
    }
  });
  if (!token.scopes.includes(WEBHOOK_BASIC_PERMISSION))
    throw metaErrors.missingPermission(WEBHOOK_BASIC_PERMISSION);
  for (const field of fields) {
    const permission = WEBHOOK_FIELD_PERMISSIONS[field]!;
    if (!token.scopes.includes(permission)) throw metaErrors.missingPermission(permission);
  }
  state.subscriptions.set(account.id, new Set(fields));
  return { success: true };
}

/** The documented endpoint name a request is logged and fault-matched under. */
export function endpointName(state: InstagramSandboxState, method: string, path: string): string {
  if (path === '/oauth/authorize') return `${method} /oauth/authorize`;
  if (['/oauth/access_token', '/access_token', '/refresh_access_token', '/me'].includes(path))
    return `${method} ${path}`;
  const [id, edge, ...rest] = path.split('/').filter(Boolean);
  if (id === undefined || rest.length > 0) return `${method} ${path}`;
  const node = id === 'me' ? 'me' : state.world.accounts.has(id) ? '{ig-user-id}' : '{media-id}';
  if (node === 'me' && edge === undefined) return `${method} /me`;
  const nodeName = node === 'me' ? '{ig-user-id}' : node;
  return edge === undefined ? `${method} /${nodeName}` : `${method} /${nodeName}/${edge}`;
}

export { MetaError };
