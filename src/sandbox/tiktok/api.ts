/**
 * Display API v2 as the sandbox serves it: `user/info`, `video/list`, `video/query`, with TikTok's `fields`
 * selection, envelope, scope checks, per-endpoint sliding-window limits and short pages.
 */
import {
  USER_FIELD_SCOPES,
  VIDEO_FIELDS,
  VIDEO_LIST_DEFAULT_COUNT,
  VIDEO_LIST_MAX_COUNT,
  VIDEO_QUERY_MAX_IDS,
  VIDEO_SCOPE,
  type UserField,
  type VideoField,
} from './facts';
import type { Call, TikTokContext } from './context';
import { sendApiError, sendApiOk } from './responses';
import type { SandboxAccount, SandboxVideo } from './world';

const VIDEO_FIELD_SET = new Set<string>(VIDEO_FIELDS);
const DEFAULT_MAX_COUNT = VIDEO_LIST_DEFAULT_COUNT;
const MAX_COUNT = VIDEO_LIST_MAX_COUNT;
const MAX_QUERY_IDS = VIDEO_QUERY_MAX_IDS;

interface Authorized {
  account: SandboxAccount;
  scopes: string[];
}

/** Bearer token → account, or the 401 TikTok sends for a missing, unknown, expired or revoked token. */
function authorize(ctx: TikTokContext, call: Call): Authorized | undefined {
  const header = call.req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const check = match ? ctx.auth.checkAccess(match[1]!) : undefined;
  const account = check?.ok ? ctx.world.get(check.openId) : undefined;
  if (!check?.ok || !account) {
    sendApiError(call.res, call.logId, 'access_token_invalid');
    return undefined;
  }
  call.user = account.openId;
  return { account, scopes: check.scopes };
}

/** Counts the call against both windows; answers 429 (no rate-limit headers, as TikTok) when either is full. */
function admit(ctx: TikTokContext, call: Call, openId: string): boolean {
  const appKey = call.endpoint;
  const userKey = `${call.endpoint}|${openId}`;
  call.whileRateLimited = ctx.limits.perApp.isLimited(appKey) || ctx.limits.perUser.isLimited(userKey);
  if (call.whileRateLimited) {
    sendApiError(call.res, call.logId, 'rate_limit_exceeded');
    return false;
  }
  ctx.limits.perApp.tryHit(appKey);
  ctx.limits.perUser.tryHit(userKey);
  return true;
}

function requireScope(ctx: TikTokContext, call: Call, scopes: string[], needed: string): boolean {
  if (!ctx.state.appScopes.has(needed)) {
    sendApiError(call.res, call.logId, 'scope_permission_missed');
    return false;
  }
  if (!scopes.includes(needed)) {
    sendApiError(call.res, call.logId, 'scope_not_authorized');
    return false;
  }
  return true;
}

/** `fields` is required; an unknown name fails the whole request. */
function parseFields(call: Call, known: (f: string) => boolean): string[] | undefined {
  const raw = call.query.get('fields');
  const fields = (raw ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.find((f) => !known(f));
  if (fields.length === 0 || unknown !== undefined) {
    sendApiError(
      call.res,
      call.logId,
      'invalid_params',
      unknown !== undefined ? `Invalid fields: ${unknown}` : 'The fields parameter is required.',
    );
    return undefined;
  }
  return [...new Set(fields)];
}

function jsonBody(call: Call): Record<string, unknown> | undefined {
  const type = String(call.req.headers['content-type'] ?? '');
  if (!type.includes('application/json')) {
    sendApiError(call.res, call.logId, 'invalid_params', 'Content-Type must be application/json.');
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(call.rawBody.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  sendApiError(call.res, call.logId, 'invalid_params', 'The request body is not a JSON object.');
  return undefined;
}

function renderVideo(ctx: TikTokContext, account: SandboxAccount, video: SandboxVideo, fields: string[]) {
  const counters = ctx.world.counters(video);
  const shareUrl = ctx.world.shareUrl(account, video);
  const all: Record<VideoField, string | number> = {
    id: video.id,
    create_time: video.createTime,
    cover_image_url: `https://p16-sign.tiktokcdn-us.com/obj/tos-useast5-p-0068-tx/${video.id}~tplv-noop.image`,
    share_url: shareUrl,
    video_description: video.description,
    duration: video.duration,
    height: video.height,
    width: video.width,
    title: video.title,
    embed_html: `<blockquote class="tiktok-embed" cite="${shareUrl}" data-video-id="${video.id}"></blockquote>`,
    embed_link: `https://www.tiktok.com/player/v1/${video.id}`,
    like_count: counters.like_count,
    comment_count: counters.comment_count,
    share_count: counters.share_count,
    view_count: counters.view_count,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f as VideoField]]));
}

export function userInfo(ctx: TikTokContext, call: Call): void {
  const who = authorize(ctx, call);
  if (!who || !admit(ctx, call, who.account.openId)) return;
  const fields = parseFields(call, (f) => f in USER_FIELD_SCOPES);
  if (!fields) return;
  for (const field of fields) {
    if (!requireScope(ctx, call, who.scopes, USER_FIELD_SCOPES[field as UserField])) return;
  }
  const a = who.account;
  const all: Record<UserField, string | number | boolean> = {
    open_id: a.openId,
    union_id: a.unionId,
    avatar_url: a.avatarUrl,
    avatar_url_100: a.avatarUrl.replace('168x168', '100x100'),
    avatar_large_url: a.avatarUrl.replace('168x168', '1080x1080'),
    display_name: a.displayName,
    bio_description: a.bio,
    profile_deep_link: `https://vm.tiktok.com/${a.unionId.slice(0, 9)}/`,
    is_verified: a.verified,
    username: a.username,
    follower_count: ctx.world.followerCount(a),
    following_count: ctx.world.followingCount(a),
    likes_count: ctx.world.likesCount(a),
    video_count: ctx.world.visibleVideos(a).length,
  };
  sendApiOk(call.res, call.logId, { user: Object.fromEntries(fields.map((f) => [f, all[f as UserField]])) });
}

/**
 * Newest first, `cursor` = epoch ms (exclusive). A page scans `max_count` videos and returns the visible ones,
 * so pages come back short (even empty) while `has_more` is still true, exactly the behaviour that breaks
 * clients which stop at the first short page.
 */
export function videoList(ctx: TikTokContext, call: Call): void {
  const who = authorize(ctx, call);
  if (!who || !admit(ctx, call, who.account.openId)) return;
  const fields = parseFields(call, (f) => VIDEO_FIELD_SET.has(f));
  if (!fields || !requireScope(ctx, call, who.scopes, VIDEO_SCOPE)) return;
  const body = jsonBody(call);
  if (!body) return;
  const maxCount = body.max_count ?? DEFAULT_MAX_COUNT;
  const cursor = body.cursor;
  if (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_COUNT) {
    return sendApiError(
      call.res,
      call.logId,
      'invalid_params',
      `max_count must be an integer from 1 to ${MAX_COUNT}.`,
    );
  }
  if (cursor !== undefined && (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0)) {
    return sendApiError(
      call.res,
      call.logId,
      'invalid_params',
      'cursor must be a UTC Unix timestamp in milliseconds.',
    );
  }
  const all = who.account.videos;
  const start = cursor === undefined ? 0 : all.findIndex((v) => v.createTime * 1000 < cursor);
  const scanned = start < 0 ? [] : all.slice(start, start + maxCount);
  const last = scanned[scanned.length - 1];
  sendApiOk(call.res, call.logId, {
    videos: scanned.filter((v) => !v.hidden).map((v) => renderVideo(ctx, who.account, v, fields)),
    cursor: last ? last.createTime * 1000 : (cursor ?? ctx.clock.now()),
    has_more: start >= 0 && start + maxCount < all.length,
  });
}

/** Up to 20 ids of the user's own videos; unknown, deleted and private ids are simply absent. */
export function videoQuery(ctx: TikTokContext, call: Call): void {
  const who = authorize(ctx, call);
  if (!who || !admit(ctx, call, who.account.openId)) return;
  const fields = parseFields(call, (f) => VIDEO_FIELD_SET.has(f));
  if (!fields || !requireScope(ctx, call, who.scopes, VIDEO_SCOPE)) return;
  const body = jsonBody(call);
  if (!body) return;
  const ids = (body.filters as { video_ids?: unknown } | undefined)?.video_ids;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > MAX_QUERY_IDS ||
    !ids.every((id) => typeof id === 'string')
  ) {
    return sendApiError(
      call.res,
      call.logId,
      'invalid_params',
      `filters.video_ids must hold 1 to ${MAX_QUERY_IDS} video ids.`,
    );
  }
  const byId = new Map(who.account.videos.filter((v) => !v.hidden).map((v) => [v.id, v]));
  const found = [...new Set(ids as string[])].flatMap((id) => {
    const video = byId.get(id);
    return video ? [renderVideo(ctx, who.account, video, fields)] : [];
  });
  sendApiOk(call.res, call.logId, { videos: found, cursor: 0, has_more: false });
}
