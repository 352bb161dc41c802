/**
 * The one place Instagram HTTP happens: axios with a timeout, lossless JSON parsing, zod validation of every answer,
 * classification of every failure, and a call counter for the per-user budget. Tokens never reach a log line.
 */
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { PlatformError } from '../errors';
import type { CallUsage } from '../types';
import { classifyFailure } from './errors';

/** Budget bucket: Instagram counts every call against one per-user hourly window. */
export const USAGE_BUCKET = '*';

export interface InstagramRequest<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** Documented endpoint name, e.g. `GET /{ig-user-id}/media` (errors and logs name it). */
  endpoint: string;
  params?: Record<string, string>;
  form?: Record<string, string>;
  schema: S;
  usage?: CallUsage;
}

/**
 * JSON.parse that keeps large integers exact: older token responses send `user_id` as a number beyond 2^53, which
 * a plain parse would corrupt. Node 24's reviver receives the source text of each primitive.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, function (
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ) {
    if (typeof value === 'number' && context?.source && /^-?\d{16,}$/.test(context.source))
      return context.source;
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

export interface InstagramHttpOptions {
  timeoutMs: number;
  logger: Logger;
  now: () => number;
  axiosInstance?: AxiosInstance;
}

export class InstagramHttp {
  private readonly axios: AxiosInstance;

  constructor(private readonly options: InstagramHttpOptions) {
    this.axios = options.axiosInstance ?? axios.create();
  }

  async request<S extends z.ZodType>(req: InstagramRequest<S>): Promise<z.output<S>> {
    if (req.usage) req.usage[USAGE_BUCKET] = (req.usage[USAGE_BUCKET] ?? 0) + 1;
    const started = Date.now();
    let response;
    try {
      response = await this.axios.request<string>({
        method: req.method,
        url: req.url,
        params: req.params,
        data: req.form ? new URLSearchParams(req.form).toString() : undefined,
        headers: req.form ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
        timeout: this.options.timeoutMs,
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        maxRedirects: 0,
      });
    } catch (err) {
      // No response: timeout, reset, refused. The axios error carries the URL with the token, so it is not kept.
      const code = isAxiosError(err) ? err.code : undefined;
      this.options.logger.warn(
        { endpoint: req.endpoint, code },
        'instagram request failed without a response',
      );
      throw classifyFailure({
        endpoint: req.endpoint,
        networkCode: code,
        networkMessage: (err as Error).message,
        now: this.options.now(),
      });
    }
    let body: unknown;
    try {
      body = response.data === '' ? undefined : parseJsonLossless(response.data);
    } catch {
      body = response.data;
    }
    this.options.logger.debug(
      { endpoint: req.endpoint, status: response.status, ms: Date.now() - started },
      'instagram request',
    );
    if (response.status < 200 || response.status >= 300) {
      throw classifyFailure({
        endpoint: req.endpoint,
        status: response.status,
        body,
        headers: response.headers as Record<string, unknown>,
        now: this.options.now(),
      });
    }
    const parsed = req.schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.join('.') : '(root)';
      throw new PlatformError(
        'permanent',
        `unexpected response shape at ${field}: ${issue?.message ?? 'invalid'}`,
        {
          platform: 'instagram',
          endpoint: req.endpoint,
          status: response.status,
        },
      );
    }
    return parsed.data;
  }
}
