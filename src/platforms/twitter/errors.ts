/**
 * Turns what X answered (status, problem JSON, OAuth `error`, rate-limit headers, network failure) into a
 * PlatformError of the right kind, at the place the call failed. Pure: `now` is passed in so tests can pin time.
 */
import type { ZodError } from 'zod';
import { PlatformError } from '../errors';

/** X's rate-limit window: when a 429 carries no usable reset header, one full window is always enough. */
export const RATE_LIMIT_WINDOW_MS = 15 * 60_000;

export type HeaderBag = Record<string, string | string[] | number | undefined | null>;

export interface ApiFailure {
  endpoint: string;
  status: number;
  /** Parsed JSON body, if any. */
  body: unknown;
  headers?: HeaderBag;
  now: number;
}

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  if (found === undefined || found === null) return undefined;
  return Array.isArray(found) ? found[0] : String(found);
}

/** Retry time (epoch ms) from `x-rate-limit-reset` (epoch seconds), else one full window from now. */
export function retryAtFrom(headers: HeaderBag | undefined, now: number): number {
  const reset = Number(header(headers, 'x-rate-limit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(now, reset * 1000);
  return now + RATE_LIMIT_WINDOW_MS;
}

function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function describe(body: unknown): string {
  return (
    field(body, 'detail') ?? field(body, 'error_description') ?? field(body, 'title') ?? 'request failed'
  );
}

/** An HTTP answer other than 2xx from an API (not OAuth) endpoint. */
export function classifyApiFailure(failure: ApiFailure): PlatformError {
  const { endpoint, status, body, headers, now } = failure;
  const details = { platform: 'twitter' as const, endpoint, status, platformCode: field(body, 'type') };
  const message = `HTTP ${status}: ${describe(body)}`;
  if (status === 429) {
    return new PlatformError('rate_limited', message, { ...details, retryAt: retryAtFrom(headers, now) });
  }
  // X answers the same 401 for expired, malformed and revoked tokens: refresh first; the refresh then fails
  // with invalid_request when consent is gone, and that becomes reauth_required.
  if (status === 401) return new PlatformError('token_expired', message, details);
  if (status === 403) {
    // client-forbidden / unsupported-authentication: the app's own setup (not attached to a project, wrong
    // auth type) — no user action fixes it. Any other 403 is a grant without the needed scope: reconnect.
    const type = field(body, 'type') ?? '';
    const appProblem = /client-forbidden|unsupported-authentication/.test(type);
    return new PlatformError(appProblem ? 'permanent' : 'reauth_required', message, details);
  }
  if (status >= 500 || status === 408) return new PlatformError('transient', message, details);
  return new PlatformError('permanent', message, details);
}

/** A failed call to `/2/oauth2/token` or `/2/oauth2/revoke`. */
export function classifyOAuthFailure(
  failure: ApiFailure & { grant: 'authorization_code' | 'refresh_token' | 'revoke' },
): PlatformError {
  const { endpoint, status, body, grant } = failure;
  const code = field(body, 'error');
  const details = { platform: 'twitter' as const, endpoint, status, platformCode: code };
  const message = `HTTP ${status}: ${code ?? 'error'}${field(body, 'error_description') ? ` (${field(body, 'error_description')})` : ''}`;
  if (status === 429) {
    return new PlatformError('rate_limited', message, {
      ...details,
      retryAt: retryAtFrom(failure.headers, failure.now),
    });
  }
  if (status >= 500) return new PlatformError('transient', message, details);
  // Wrong client id/secret: configuration, not the user's consent.
  if (status === 401 || code === 'unauthorized_client' || code === 'invalid_client') {
    return new PlatformError('permanent', message, details);
  }
  // A used, revoked or expired refresh token: only a new consent brings the connection back.
  if (grant === 'refresh_token') return new PlatformError('reauth_required', message, details);
  return new PlatformError('permanent', message, details);
}

/** Network-level failure (no HTTP answer): timeouts, resets, refused connections are all worth a retry. */
export function classifyNetworkFailure(
  endpoint: string,
  err: { code?: string; message?: string },
): PlatformError {
  return new PlatformError('transient', `${err.code ?? 'network error'}: ${err.message ?? ''}`.trim(), {
    platform: 'twitter',
    endpoint,
    platformCode: err.code,
    cause: err,
  });
}

/** A 2xx whose body is not the documented shape: X changed its API; retrying will not help. */
export function shapeError(endpoint: string, error: ZodError): PlatformError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  return new PlatformError(
    'permanent',
    `unexpected response shape at "${path}": ${issue?.message ?? 'invalid'}`,
    {
      platform: 'twitter',
      endpoint,
      cause: error,
    },
  );
}
