/**
 * Turns what X answered (status, problem JSON, OAuth `error`, rate-limit headers, network failure) into a
 * PlatformError of the right kind, at the place the call failed. Pure: `now` is passed in so tests can pin time.
 */
import { PlatformError } from '../errors';
import {
  epochSecondsAt,
  failsUnless2xx,
  headerValue,
  type AnswerClassifier,
  type HeaderBag,
  type HttpAnswer,
} from '../http';
import { OAuthErrorBody } from './schemas';

/** X's rate-limit window: when a 429 carries no usable reset header, one full window is always enough. */
export const RATE_LIMIT_WINDOW_MS = 15 * 60_000;

/** A non-2xx answer, as the connector HTTP kit hands it over (src/platforms/http). */
export type ApiFailure = HttpAnswer;

/** Retry time (epoch ms) from `x-rate-limit-reset` (epoch seconds), else one full window from now. */
export function retryAtFrom(headers: HeaderBag | undefined, now: number): number {
  return epochSecondsAt(headerValue(headers, 'x-rate-limit-reset'), now) ?? now + RATE_LIMIT_WINDOW_MS;
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

/** The data endpoints' rules, as the kit's hook: any non-2xx is a failure. */
export const classifyApiAnswer: AnswerClassifier = failsUnless2xx(classifyApiFailure);

/**
 * The OAuth endpoints' rules for one grant: anything but 200 fails; a body that is not an OAuth error is not
 * trusted for its `error` field.
 */
export function oauthClassifier(grant: 'authorization_code' | 'refresh_token' | 'revoke'): AnswerClassifier {
  return (answer) => {
    if (answer.status === 200) return undefined;
    const body =
      grant === 'revoke' || OAuthErrorBody.safeParse(answer.body).success ? answer.body : undefined;
    return classifyOAuthFailure({ ...answer, body, grant });
  };
}
