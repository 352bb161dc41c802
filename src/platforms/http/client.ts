/**
 * The one HTTP transport of the connectors: every platform call goes through `ConnectorHttp.request`, which
 * - sends the request with a timeout (axios, never throwing on a status: every answer is classified here),
 * - parses the body as JSON without rounding big integer ids,
 * - hands non-success answers to the platform's own classification rules (its errors.ts) and network failures
 *   to one rule (no answer → transient),
 * - retries transient failures of idempotent requests a bounded number of times with jitter,
 * - counts every attempt, retries included, in the caller's usage under its rate-limit bucket,
 * - validates a success with the endpoint's zod schema (a mismatch is permanent: the API changed).
 * Tokens never reach a log line or an error: only endpoint names, statuses and timings are logged.
 */
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { PlatformError } from '../errors';
import type { CallUsage, PlatformId } from '../types';
import { USER_AGENT, queryString, type HeaderBag } from './headers';
import { parseJsonLossless } from './json';
import { retryPolicy, type RetryOptions, type RetryPolicy } from './retry';

/** What a platform answered, as its classification rules see it. */
export interface HttpAnswer {
  /** Documented endpoint, e.g. `GET /2/users/:id/tweets`. */
  endpoint: string;
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON (an HTML 502 page), or undefined when empty. */
  body: unknown;
  headers?: HeaderBag;
  /** Epoch ms (the connector's clock), for reset times. */
  now: number;
}

/**
 * A platform's classification of an answer: the error it means, or undefined when it is a success. Each platform
 * keeps its rules in its errors.ts; `failsUnless2xx` adapts the common "non-2xx is a failure" shape.
 */
export type AnswerClassifier = (answer: HttpAnswer) => PlatformError | undefined;

/** Non-2xx answers are failures classified by `classify`; 2xx answers are successes. */
export function failsUnless2xx(classify: (answer: HttpAnswer) => PlatformError): AnswerClassifier {
  return (answer) => (answer.status >= 200 && answer.status < 300 ? undefined : classify(answer));
}

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpRequest<S extends z.ZodType> {
  method: HttpMethod;
  /** Absolute URL without the query string. */
  url: string;
  endpoint: string;
  /** Query parameters (undefined values are left out; commas and colons stay literal). */
  params?: Readonly<Record<string, string | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** `application/x-www-form-urlencoded` body. */
  form?: Readonly<Record<string, string>>;
  /** JSON body. */
  json?: unknown;
  schema: S;
  /** This endpoint's classification; default: the client's. */
  classify?: AnswerClassifier;
  /** Counts every attempt under `bucket` (default: the client's `defaultBucket`). */
  usage?: CallUsage;
  bucket?: string;
  /**
   * Safe to send twice (reads, and read-only POST queries): transient failures are retried. Never set it on
   * token exchanges or refreshes, where a repeated request can spend a single-use code or rotating token.
   */
  idempotent?: boolean;
}

export interface ConnectorHttpOptions {
  platform: PlatformId;
  /** Classification of answers when a request names none. */
  classify: AnswerClassifier;
  /** Per attempt (default 20 s). */
  timeoutMs?: number;
  logger: Logger;
  /** Clock for reset times (tests pass the sandbox clock). */
  now: () => number;
  retry?: RetryOptions;
  /** Usage bucket when a request names none (Instagram: `*`). */
  defaultBucket?: string;
  /** Sleep between retries (tests may shorten it); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  axiosInstance?: AxiosInstance;
}

/** What a platform's binding (its http.ts) takes from the connector: everything but its own rules. */
export type PlatformHttpOptions = Pick<ConnectorHttpOptions, 'timeoutMs' | 'logger' | 'now' | 'retry'>;

export interface ConnectorHttp {
  readonly platform: PlatformId;
  request<S extends z.ZodType>(req: HttpRequest<S>): Promise<z.output<S>>;
}

export const DEFAULT_TIMEOUT_MS = 20_000;

/** Adds `calls` to `bucket` of a usage record. */
export function countCall(usage: CallUsage, bucket: string, calls = 1): void {
  usage[bucket] = (usage[bucket] ?? 0) + calls;
}

/**
 * A failure without an answer (timeout, reset, refused, DNS): always transient. Only the error code and message
 * are kept: the underlying error carries the request, with its tokens.
 */
export function networkError(
  platform: PlatformId,
  endpoint: string,
  err: { code?: string; message?: string },
): PlatformError {
  const what = err.code ?? 'network error';
  return new PlatformError('transient', `${what}${err.message ? `: ${err.message}` : ''}`, {
    platform,
    endpoint,
    platformCode: err.code,
  });
}

/** A 2xx whose body is not the documented shape: the API changed, retrying will not help. */
export function shapeError(
  platform: PlatformId,
  endpoint: string,
  error: z.ZodError,
  status?: number,
): PlatformError {
  const issue = error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return new PlatformError(
    'permanent',
    `unexpected response shape at "${path}": ${issue?.message ?? 'invalid'}`,
    { platform, endpoint, status },
  );
}

function bodyOf(text: string): unknown {
  if (text === '') return undefined;
  try {
    return parseJsonLossless(text);
  } catch {
    return text;
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createConnectorHttp(options: ConnectorHttpOptions): ConnectorHttp {
  const { platform, logger, now } = options;
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const policy: RetryPolicy = retryPolicy(options.retry);
  const sleep = options.sleep ?? sleepFor;
  const client =
    options.axiosInstance ??
    axios.create({
      // Statuses are classified here, not thrown by axios; only failures without an answer throw.
      validateStatus: () => true,
      // A redirect from an API is not expected, and following one would resend credentials elsewhere.
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      // Timeouts surface as ETIMEDOUT (not ECONNABORTED), like the other socket errors.
      transitional: { clarifyTimeoutError: true },
    });

  /** One attempt: the classified error, or the validated value. */
  async function attempt<S extends z.ZodType>(
    req: HttpRequest<S>,
  ): Promise<{ ok: true; value: z.output<S> } | { ok: false; error: PlatformError }> {
    const query = req.params ? queryString(req.params) : '';
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...req.headers,
    };
    let data: string | undefined;
    if (req.form) {
      data = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      data = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    const started = Date.now();
    let response;
    try {
      response = await client.request<string>({
        method: req.method,
        url: query ? `${req.url}${req.url.includes('?') ? '&' : '?'}${query}` : req.url,
        headers,
        data,
        timeout,
      });
    } catch (err) {
      const code = isAxiosError(err) ? err.code : (err as { code?: string }).code;
      logger.warn({ platform, endpoint: req.endpoint, code, ms: Date.now() - started }, 'no answer');
      return {
        ok: false,
        error: networkError(platform, req.endpoint, { code, message: (err as Error).message }),
      };
    }
    const text = typeof response.data === 'string' ? response.data : '';
    const answer: HttpAnswer = {
      endpoint: req.endpoint,
      status: response.status,
      body: bodyOf(text),
      headers: response.headers as HeaderBag,
      now: now(),
    };
    logger.debug(
      { platform, endpoint: req.endpoint, status: response.status, ms: Date.now() - started },
      'platform call',
    );
    const failure = (req.classify ?? options.classify)(answer);
    if (failure) return { ok: false, error: failure };
    const parsed = req.schema.safeParse(answer.body);
    if (!parsed.success) {
      return { ok: false, error: shapeError(platform, req.endpoint, parsed.error, response.status) };
    }
    return { ok: true, value: parsed.data };
  }

  return {
    platform,
    async request<S extends z.ZodType>(req: HttpRequest<S>): Promise<z.output<S>> {
      const bucket = req.bucket ?? options.defaultBucket;
      if (req.usage && bucket === undefined) {
        throw new Error(`${platform} ${req.endpoint}: a counted request needs a usage bucket`);
      }
      const retries = req.idempotent ? policy.retries : 0;
      for (let retry = 0; ; retry += 1) {
        if (retry > 0) await sleep(policy.delayMs(retry));
        // Every attempt is a call the platform counts: it is charged against the budget like any other.
        if (req.usage) countCall(req.usage, bucket!);
        const result = await attempt(req);
        if (result.ok) return result.value;
        if (result.error.kind !== 'transient' || retry >= retries) throw result.error;
        logger.info(
          { platform, endpoint: req.endpoint, retry: retry + 1, of: retries, reason: result.error.message },
          'transient failure; retrying the call',
        );
      }
    },
  };
}
