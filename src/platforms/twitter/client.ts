/**
 * X API v2 calls over the connector HTTP kit (src/platforms/http): every answer validated with zod, every failure
 * classified with X's rules (errors.ts), every data call counted under its rate-limit bucket. Knows paths,
 * parameters and shapes; knows nothing of tokens' lifecycle or of normalized records.
 */
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { basicAuth, bearer, joinUrl, type ConnectorHttp, type RetryOptions } from '../http';
import type { ReadUsage } from '../../domain';
import type { CallUsage } from '../types';
import { oauthClassifier } from './errors';
import { createTwitterHttp } from './http';
import {
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

/** Rate-limit buckets of the per-user budgets (the connector's `rateLimits`). */
export const BUCKETS = {
  me: 'users/me',
  timeline: 'users/:id/tweets',
  lookup: 'tweets',
} as const;

/** The profile fields the connector reads (docs/twitter.md). */
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
  /** Day of the month X's monthly usage cap resets (errors.ts `nextCapReset`). */
  capResetDay?: number;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  logger: Logger;
  now: () => number;
  retry?: RetryOptions;
}

export class TwitterClient {
  private readonly http: ConnectorHttp;

  constructor(private readonly opts: TwitterClientOptions) {
    this.http = createTwitterHttp({
      timeoutMs: opts.timeoutMs,
      logger: opts.logger,
      now: opts.now,
      retry: opts.retry,
      capResetDay: opts.capResetDay,
    });
  }

  private url(path: string): string {
    return joinUrl(this.opts.apiUrl, path);
  }

  /** A read with the user's token: idempotent, so transient failures are retried (and counted) in the kit. */
  private api<S extends z.ZodType>(req: {
    endpoint: string;
    path: string;
    params: Record<string, string | undefined>;
    accessToken: string;
    schema: S;
    bucket: string;
    usage?: CallUsage;
  }): Promise<z.output<S>> {
    return this.http.request({
      method: 'GET',
      url: this.url(req.path),
      endpoint: req.endpoint,
      params: req.params,
      headers: bearer(req.accessToken),
      schema: req.schema,
      usage: req.usage,
      bucket: req.bucket,
      idempotent: true,
    });
  }

  /** `POST /2/oauth2/token` for either grant; confidential client → HTTP Basic. Never retried: codes are single-use. */
  token(
    form: { grant_type: 'authorization_code' | 'refresh_token' } & Record<string, string>,
  ): Promise<TokenResponse> {
    return this.http.request({
      method: 'POST',
      url: this.url('/2/oauth2/token'),
      endpoint: ENDPOINTS.token,
      form,
      headers: basicAuth(this.opts.clientId, this.opts.clientSecret),
      schema: TokenResponse,
      classify: oauthClassifier(form.grant_type),
    });
  }

  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    const answer = await this.http.request({
      method: 'POST',
      url: this.url('/2/oauth2/revoke'),
      endpoint: ENDPOINTS.revoke,
      form: { token, token_type_hint: hint },
      headers: basicAuth(this.opts.clientId, this.opts.clientSecret),
      schema: RevokeResponse,
      classify: oauthClassifier('revoke'),
    });
    return answer.revoked;
  }

  /**
   * X bills reads per resource returned (https://docs.x.com/x-api/getting-started/pricing): every user and post in
   * an answer's `data` is counted into `reads` (requests are counted separately, in `usage`).
   */
  async me(accessToken: string, usage?: CallUsage, reads?: ReadUsage): Promise<User> {
    const body = await this.api({
      endpoint: ENDPOINTS.me,
      path: '/2/users/me',
      params: { 'user.fields': ME_USER_FIELDS.join(',') },
      accessToken,
      schema: UsersMeResponse,
      bucket: BUCKETS.me,
      usage,
    });
    if (reads) reads.users += 1;
    return body.data;
  }

  async timeline(
    accessToken: string,
    q: TimelineQuery,
    usage?: CallUsage,
    reads?: ReadUsage,
  ): Promise<TimelineResponse> {
    const body = await this.api({
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
      bucket: BUCKETS.timeline,
      usage,
    });
    if (reads) reads.posts += body.data?.length ?? 0;
    return body;
  }

  /**
   * `GET /2/tweets?ids=` (1..100 ids, https://docs.x.com/x-api/posts/lookup): found posts in `data`, missing ones as
   * `resource-not-found` entries of `errors` in the same 200 (partial errors,
   * https://docs.x.com/x-api/fundamentals/response-codes-and-errors). Only posts returned are billed.
   */
  async lookup(
    accessToken: string,
    ids: readonly string[],
    tweetFields: readonly TweetField[],
    usage?: CallUsage,
    reads?: ReadUsage,
  ): Promise<TweetsLookupResponse> {
    const body = await this.api({
      endpoint: ENDPOINTS.lookup,
      path: '/2/tweets',
      params: { ids: ids.join(','), 'tweet.fields': tweetFields.join(',') },
      accessToken,
      schema: TweetsLookupResponse,
      bucket: BUCKETS.lookup,
      usage,
    });
    if (reads) reads.posts += body.data?.length ?? 0;
    return body;
  }
}
