/**
 * Display API v2 calls (`user/info`, `video/list`, `video/query`): zod-validated answers, TikTok's cursor paging,
 * and every failure classified into a PlatformError where it happens.
 */
import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { classifyApiError, classifyNetworkError, shapeError } from './errors';
import { joinUrl } from './http';
import {
  MAX_QUERY_IDS,
  MAX_VIDEO_PAGE,
  UserInfoResponse,
  VideoListResponse,
  VideoQueryResponse,
  type TikTokUser,
  type TikTokVideo,
  type UserField,
  type VideoField,
} from './schemas';

/** Documented endpoint names (also the sandbox's request-log names). */
export const ENDPOINTS = {
  userInfo: 'GET /v2/user/info/',
  videoList: 'POST /v2/video/list/',
  videoQuery: 'POST /v2/video/query/',
} as const;

export interface TikTokClientOptions {
  /** `TIKTOK_API_URL`, e.g. `https://open.tiktokapis.com`. */
  apiUrl: string;
  http: AxiosInstance;
  logger: Logger;
  now: () => number;
}

export interface VideoPage {
  videos: TikTokVideo[];
  /** Epoch ms to pass as the next request's cursor. */
  cursor: number;
  hasMore: boolean;
}

interface CallRequest<S extends z.ZodType> {
  endpoint: string;
  method: 'GET' | 'POST';
  path: string;
  fields: readonly string[];
  accessToken: string;
  body?: unknown;
  schema: S;
}

export class TikTokClient {
  constructor(private readonly opts: TikTokClientOptions) {}

  async userInfo(accessToken: string, fields: readonly UserField[]): Promise<TikTokUser> {
    const res = await this.call({
      endpoint: ENDPOINTS.userInfo,
      method: 'GET',
      path: '/v2/user/info/',
      fields,
      accessToken,
      schema: UserInfoResponse,
    });
    return res.data.user;
  }

  /** One page, newest first. A page may hold fewer than `maxCount` videos (even none) while `hasMore` is true. */
  async listVideos(
    accessToken: string,
    req: { cursor?: number; maxCount?: number; fields: readonly VideoField[] },
  ): Promise<VideoPage> {
    const maxCount = clamp(req.maxCount ?? MAX_VIDEO_PAGE, 1, MAX_VIDEO_PAGE);
    const res = await this.call({
      endpoint: ENDPOINTS.videoList,
      method: 'POST',
      path: '/v2/video/list/',
      fields: req.fields,
      accessToken,
      body: req.cursor === undefined ? { max_count: maxCount } : { cursor: req.cursor, max_count: maxCount },
      schema: VideoListResponse,
    });
    return { videos: res.data.videos, cursor: res.data.cursor, hasMore: res.data.has_more };
  }

  /** Every page until `has_more` is false; short and empty pages do not end the walk. */
  async *iterateVideos(
    accessToken: string,
    req: { maxCount?: number; fields: readonly VideoField[] },
  ): AsyncGenerator<VideoPage> {
    let cursor: number | undefined;
    for (;;) {
      const page = await this.listVideos(accessToken, { ...req, cursor });
      yield page;
      if (!page.hasMore) return;
      cursor = page.cursor;
    }
  }

  /** Up to 20 ids per call; ids TikTok no longer knows (deleted, private) are simply absent from the answer. */
  async queryVideos(
    accessToken: string,
    ids: readonly string[],
    fields: readonly VideoField[],
  ): Promise<TikTokVideo[]> {
    if (ids.length === 0) return [];
    if (ids.length > MAX_QUERY_IDS) throw new RangeError(`video/query takes at most ${MAX_QUERY_IDS} ids`);
    const res = await this.call({
      endpoint: ENDPOINTS.videoQuery,
      method: 'POST',
      path: '/v2/video/query/',
      fields,
      accessToken,
      body: { filters: { video_ids: ids } },
      schema: VideoQueryResponse,
    });
    return res.data.videos;
  }

  private async call<S extends z.ZodType>(req: CallRequest<S>): Promise<z.infer<S>> {
    // Literal commas, as in TikTok's own examples (field names need no escaping).
    const url = `${joinUrl(this.opts.apiUrl, req.path)}?fields=${req.fields.join(',')}`;
    const started = this.opts.now();
    let res;
    try {
      res = await this.opts.http.request({
        method: req.method,
        url,
        headers: {
          authorization: `Bearer ${req.accessToken}`,
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
      });
    } catch (err) {
      const error = classifyNetworkError(req.endpoint, err);
      this.opts.logger.warn(
        { endpoint: req.endpoint, err: error.message },
        'tiktok request failed without answer',
      );
      throw error;
    }
    const now = this.opts.now();
    this.opts.logger.debug(
      { endpoint: req.endpoint, status: res.status, ms: now - started },
      'tiktok request',
    );

    const body: unknown = res.data;
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (res.status < 200 || res.status >= 300 || (typeof code === 'string' && code !== 'ok')) {
      throw classifyApiError({ endpoint: req.endpoint, status: res.status, body, headers: res.headers, now });
    }
    const parsed = req.schema.safeParse(body);
    if (!parsed.success) throw shapeError(req.endpoint, parsed.error);
    return parsed.data;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
