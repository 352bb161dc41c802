/**
 * HTTP calls to X API v2 with axios: every answer validated with zod, every failure classified where it happens
 * (errors.ts). Knows paths, parameters and shapes; knows nothing of tokens' lifecycle or of normalized records.
 */
import axios, { type AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { classifyApiFailure, classifyNetworkFailure, classifyOAuthFailure, shapeError } from './errors';
import {
  OAuthErrorBody,
  RevokeResponse,
  TimelineResponse,
  TokenResponse,
  TweetsLookupResponse,
  UsersMeResponse,
  type TweetField,
  type User,
} from './schemas';

export const ENDPOINTS = {
  token: 'POST /2/oauth2/token',
  revoke: 'POST /2/oauth2/revoke',
  me: 'GET /2/users/me',
  timeline: 'GET /2/users/:id/tweets',
  lookup: 'GET /2/tweets',
} as const;

/** The profile fields the connector reads (platform-api-notes.md). */
export const ME_USER_FIELDS = ['public_metrics', 'created_at', 'username', 'name'] as const;

export interface TimelineQuery {
  userId: string;
  maxResults: number;
  paginationToken?: string;
  sinceId?: string;
  startTime?: string;
  endTime?: string;
  exclude?: ('retweets' | 'replies')[];
  tweetFields: readonly TweetField[];
}

export interface TwitterClientOptions {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  logger: Logger;
  now: () => number;
}

type Params = Record<string, string | undefined>;

/** Query string as X's docs write it: commas (field lists) and colons (times) stay literal, as RFC 3986 allows. */
export function queryString(params: Params): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(
      `${encodeURIComponent(key)}=${encodeURIComponent(value).replace(/%2C/g, ',').replace(/%3A/g, ':')}`,
    );
  }
  return parts.join('&');
}

export class TwitterClient {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: TwitterClientOptions) {
    this.http = axios.create({
      baseURL: opts.apiUrl.replace(/\/+$/, ''),
      timeout: opts.timeoutMs,
      // Statuses are classified here, not thrown by axios; only network failures throw.
      validateStatus: () => true,
      headers: { accept: 'application/json', 'user-agent': 'socialsync/0.1' },
      transitional: { clarifyTimeoutError: true },
    });
  }

  private async send(opts: {
    endpoint: string;
    method: 'GET' | 'POST';
    path: string;
    params?: Params;
    form?: Params;
    headers: Record<string, string>;
  }): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
    const started = Date.now();
    const query = opts.params ? queryString(opts.params) : '';
    try {
      const res = await this.http.request({
        method: opts.method,
        url: query ? `${opts.path}?${query}` : opts.path,
        headers: opts.form
          ? { ...opts.headers, 'content-type': 'application/x-www-form-urlencoded' }
          : opts.headers,
        data: opts.form ? queryString(opts.form) : undefined,
        responseType: 'json',
      });
      // Only the endpoint, status and timing: URLs here carry no secrets, bodies and headers may.
      this.opts.logger.debug(
        { endpoint: opts.endpoint, status: res.status, ms: Date.now() - started },
        'x call',
      );
      return { status: res.status, data: res.data, headers: res.headers as Record<string, unknown> };
    } catch (err) {
      this.opts.logger.warn(
        { endpoint: opts.endpoint, code: (err as { code?: string }).code, ms: Date.now() - started },
        'x call failed',
      );
      throw classifyNetworkFailure(opts.endpoint, err as { code?: string; message?: string });
    }
  }

  private parse<S extends z.ZodType>(endpoint: string, schema: S, data: unknown): z.infer<S> {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw shapeError(endpoint, parsed.error);
    return parsed.data;
  }

  private async api<S extends z.ZodType>(opts: {
    endpoint: string;
    path: string;
    params: Params;
    accessToken: string;
    schema: S;
  }) {
    const res = await this.send({
      endpoint: opts.endpoint,
      method: 'GET',
      path: opts.path,
      params: opts.params,
      headers: { authorization: `Bearer ${opts.accessToken}` },
    });
    if (res.status < 200 || res.status >= 300) {
      throw classifyApiFailure({
        endpoint: opts.endpoint,
        status: res.status,
        body: res.data,
        headers: res.headers as never,
        now: this.opts.now(),
      });
    }
    return this.parse(opts.endpoint, opts.schema, res.data);
  }

  private basicAuth(): string {
    return 'Basic ' + Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
  }

  /** `POST /2/oauth2/token` for either grant; confidential client → HTTP Basic. */
  async token(form: { grant_type: 'authorization_code' | 'refresh_token' } & Params): Promise<TokenResponse> {
    const res = await this.send({
      endpoint: ENDPOINTS.token,
      method: 'POST',
      path: '/2/oauth2/token',
      form,
      headers: { authorization: this.basicAuth() },
    });
    if (res.status !== 200) {
      const body = OAuthErrorBody.safeParse(res.data).success ? res.data : undefined;
      throw classifyOAuthFailure({
        endpoint: ENDPOINTS.token,
        status: res.status,
        body,
        headers: res.headers as never,
        now: this.opts.now(),
        grant: form.grant_type,
      });
    }
    return this.parse(ENDPOINTS.token, TokenResponse, res.data);
  }

  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    const res = await this.send({
      endpoint: ENDPOINTS.revoke,
      method: 'POST',
      path: '/2/oauth2/revoke',
      form: { token, token_type_hint: hint },
      headers: { authorization: this.basicAuth() },
    });
    if (res.status !== 200) {
      throw classifyOAuthFailure({
        endpoint: ENDPOINTS.revoke,
        status: res.status,
        body: res.data,
        headers: res.headers as never,
        now: this.opts.now(),
        grant: 'revoke',
      });
    }
    return this.parse(ENDPOINTS.revoke, RevokeResponse, res.data).revoked;
  }

  async me(accessToken: string): Promise<User> {
    const body = await this.api({
      endpoint: ENDPOINTS.me,
      path: '/2/users/me',
      params: { 'user.fields': ME_USER_FIELDS.join(',') },
      accessToken,
      schema: UsersMeResponse,
    });
    return body.data;
  }

  async timeline(accessToken: string, q: TimelineQuery): Promise<TimelineResponse> {
    return this.api({
      endpoint: ENDPOINTS.timeline,
      path: `/2/users/${encodeURIComponent(q.userId)}/tweets`,
      params: {
        max_results: String(q.maxResults),
        pagination_token: q.paginationToken,
        since_id: q.sinceId,
        start_time: q.startTime,
        end_time: q.endTime,
        exclude: q.exclude?.length ? q.exclude.join(',') : undefined,
        'tweet.fields': q.tweetFields.join(','),
      },
      accessToken,
      schema: TimelineResponse,
    });
  }

  /** `GET /2/tweets?ids=` (1..100 ids): found posts in `data`, missing ones as errors in the same 200. */
  async lookup(
    accessToken: string,
    ids: readonly string[],
    tweetFields: readonly TweetField[],
  ): Promise<TweetsLookupResponse> {
    return this.api({
      endpoint: ENDPOINTS.lookup,
      path: '/2/tweets',
      params: { ids: ids.join(','), 'tweet.fields': tweetFields.join(',') },
      accessToken,
      schema: TweetsLookupResponse,
    });
  }
}
