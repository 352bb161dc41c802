/**
 * Turns what TikTok answered (status, `error.code`, OAuth `error`, network failure) into a PlatformError of the
 * right kind, at the place the call failed. Pure: `now` is passed in so tests can pin time.
 */
import { PlatformError, type PlatformErrorKind } from '../errors';
import { headerValue, retryAfterAt, type AnswerClassifier, type HeaderBag, type HttpAnswer } from '../http';

/** TikTok sends no rate-limit headers; its window is a one-minute sliding window, so a minute is always enough. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** An answer that failed, as the connector HTTP kit hands it over (src/platforms/http). */
type ApiFailure = HttpAnswer;

const API_CODE_KINDS: Record<string, PlatformErrorKind> = {
  // TikTok uses the same code for expired, malformed and revoked tokens: refresh first; the refresh then
  // answers invalid_grant when consent is gone, which becomes reauth_required.
  access_token_invalid: 'token_expired',
  // The user did not grant a scope the call needs: only a new consent fixes that.
  scope_not_authorized: 'reauth_required',
  // The app itself is not approved for the scope: configuration, not retryable.
  scope_permission_missed: 'permanent',
  invalid_params: 'permanent',
  rate_limit_exceeded: 'rate_limited',
  internal_error: 'transient',
};

/** Retry time from `Retry-After` (seconds or HTTP date) when some proxy adds one, else one full window. */
export function retryAtFrom(headers: HeaderBag | undefined, now: number): number {
  return retryAfterAt(headerValue(headers, 'retry-after'), now) ?? now + RATE_LIMIT_WINDOW_MS;
}

function apiCode(body: unknown): { code?: string; message?: string } {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (error && typeof error === 'object') {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return {
        code: typeof code === 'string' ? code : undefined,
        message: typeof message === 'string' ? message : undefined,
      };
    }
  }
  return {};
}

function kindForStatus(status: number): PlatformErrorKind {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'transient';
  if (status === 401) return 'token_expired';
  return 'permanent';
}

/** A Display API answer that is not a success (non-2xx, or `error.code` other than `ok`). */
export function classifyApiError({ endpoint, status, body, headers, now }: ApiFailure): PlatformError {
  const { code, message } = apiCode(body);
  const kind = (code !== undefined ? API_CODE_KINDS[code] : undefined) ?? kindForStatus(status);
  return new PlatformError(kind, `${code ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`, {
    platform: 'tiktok',
    endpoint,
    status,
    platformCode: code,
    retryAt: kind === 'rate_limited' ? retryAtFrom(headers, now) : undefined,
  });
}

interface OAuthFailure extends ApiFailure {
  grantType: 'authorization_code' | 'refresh_token' | 'revoke';
}

/** An OAuth endpoint's error (`{error, error_description, log_id}`), which TikTok may send with any status. */
export function classifyOAuthError({
  endpoint,
  status,
  body,
  headers,
  now,
  grantType,
}: OAuthFailure): PlatformError {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const code = typeof record.error === 'string' ? record.error : undefined;
  const description = typeof record.error_description === 'string' ? record.error_description : undefined;
  let kind: PlatformErrorKind;
  if (status === 429 || code === 'rate_limit_exceeded') kind = 'rate_limited';
  else if (status >= 500 || code === 'server_error' || code === 'temporarily_unavailable') kind = 'transient';
  // A refresh token that is expired, rotated away or revoked: the user has to connect again.
  else if (code === 'invalid_grant' && grantType === 'refresh_token') kind = 'reauth_required';
  else kind = 'permanent';
  return new PlatformError(kind, `${code ?? `HTTP ${status}`}${description ? `: ${description}` : ''}`, {
    platform: 'tiktok',
    endpoint,
    status,
    platformCode: code,
    retryAt: kind === 'rate_limited' ? retryAtFrom(headers, now) : undefined,
  });
}

/** Display API rules as the kit's hook: a non-2xx answer, or a 2xx whose `error.code` is not `ok`, failed. */
export const classifyApiAnswer: AnswerClassifier = (answer) => {
  const { code } = apiCode(answer.body);
  const failed = answer.status < 200 || answer.status >= 300 || (code !== undefined && code !== 'ok');
  return failed ? classifyApiError(answer) : undefined;
};

/** OAuth rules as the kit's hook: an `error` member means failure whatever the status (TikTok sends some with 200). */
export function oauthClassifier(grantType: OAuthFailure['grantType']): AnswerClassifier {
  return (answer) => {
    const body = answer.body;
    const hasError =
      !!body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string';
    const failed = answer.status < 200 || answer.status >= 300 || hasError;
    return failed ? classifyOAuthError({ ...answer, grantType }) : undefined;
  };
}
