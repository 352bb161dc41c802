/**
 * Display API v2 calls (`user/info`, `video/list`, `video/query`) over the connector HTTP kit
 * (src/platforms/http): zod-validated answers, TikTok's cursor paging, every failure classified with TikTok's rules
 * (errors.ts), every call counted under its endpoint's rate-limit bucket. All three are reads (the two POSTs are
 * read-only queries), so transient failures are retried inside the kit.
 */
import type { z } from 'zod';
import { bearer, joinUrl, type ConnectorHttp } from '../http';
import type { CallUsage } from '../types';
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

/** Rate-limit buckets, one per Display API endpoint (TikTok limits each endpoint separately). */
export const BUCKETS = {
  userInfo: 'user/info',
  videoList: 'video/list',
  videoQuery: 'video/query',
} as const;

export interface TikTokClientOptions {
  /** `TIKTOK_API_URL`, e.g. `https://open.tiktokapis.com`. */
  apiUrl: string;
  http: ConnectorHttp;
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
  bucket: string;
  usage?: CallUsage;
}

export class TikTokClient {
  constructor(private readonly opts: TikTokClientOptions) {}

  async userInfo(accessToken: string, fields: readonly UserField[], usage?: CallUsage): Promise<TikTokUser> {
    const res = await this.call({
      endpoint: ENDPOINTS.userInfo,
      method: 'GET',
      path: '/v2/user/info/',
      fields,
      accessToken,
      schema: UserInfoResponse,
      bucket: BUCKETS.userInfo,
      usage,
    });
    return res.data.user;
  }

  /** One page, newest first. A page may hold fewer than `maxCount` videos (even none) while `hasMore` is true. */
  async listVideos(
    accessToken: string,
    req: { cursor?: number; maxCount?: number; fields: readonly VideoField[]; usage?: CallUsage },
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
      bucket: BUCKETS.videoList,
      usage: req.usage,
    });
    return { videos: res.data.videos, cursor: res.data.cursor, hasMore: res.data.has_more };
  }

  /** Up to 20 ids per call; ids TikTok no longer knows (deleted, private) are simply absent from the answer. */
  async queryVideos(
    accessToken: string,
    ids: readonly string[],
    fields: readonly VideoField[],
    usage?: CallUsage,
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
      bucket: BUCKETS.videoQuery,
      usage,
    });
    return res.data.videos;
  }

  private call<S extends z.ZodType>(req: CallRequest<S>): Promise<z.output<S>> {
    return this.opts.http.request({
      method: req.method,
      url: joinUrl(this.opts.apiUrl, req.path),
      endpoint: req.endpoint,
      params: { fields: req.fields.join(',') },
      headers: bearer(req.accessToken),
      json: req.body,
      schema: req.schema,
      bucket: req.bucket,
      usage: req.usage,
      idempotent: true,
    });
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
