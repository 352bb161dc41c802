/**
 * How TikTok API for Business answers failures, turned into PlatformErrors: every answer is the envelope
 * `{code, message, request_id, data}`, usually with HTTP 200, and `code` other than 0 is the failure (schemas.ts).
 * Pure: `now` comes with the answer so tests pin time.
 */
import { PlatformError, type PlatformErrorKind } from '../../errors';
import { headerValue, retryAfterAt, type AnswerClassifier, type HttpAnswer } from '../../http';
import { BUSINESS_CODES, THROTTLE_WAIT_MS } from './schemas';

/** Codes that mean "this access token does not work (any more)": refresh once, then the refresh decides. */
const TOKEN_CODES = new Set<number>([
  BUSINESS_CODES.tokenExpired,
  BUSINESS_CODES.tokenEmpty,
  BUSINESS_CODES.tokenInvalid,
]);

function envelopeCode(body: unknown): { code?: number; message?: string } {
  if (!body || typeof body !== 'object') return {};
  const { code, message } = body as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'number' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

function kindFor(status: number, code: number | undefined): PlatformErrorKind {
  if (code === BUSINESS_CODES.throttled || status === 429) return 'rate_limited';
  if (code !== undefined && TOKEN_CODES.has(code)) return 'token_expired';
  if ((code !== undefined && code >= 50000) || status >= 500) return 'transient';
  if (code === undefined && status === 401) return 'token_expired';
  return 'permanent';
}

/** A failed answer as a PlatformError of `kind` (rate-limited ones carry their retry time). */
function failure(answer: HttpAnswer, kind: PlatformErrorKind): PlatformError {
  const { status, endpoint, headers, now } = answer;
  const { code, message } = envelopeCode(answer.body);
  return new PlatformError(kind, `${code ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`, {
    platform: 'tiktok',
    endpoint,
    status,
    platformCode: code,
    retryAt:
      kind === 'rate_limited'
        ? (retryAfterAt(headerValue(headers, 'retry-after'), now) ?? now + THROTTLE_WAIT_MS)
        : undefined,
  });
}

const failed = (answer: HttpAnswer): boolean =>
  answer.status < 200 || answer.status >= 300 || envelopeCode(answer.body).code !== BUSINESS_CODES.ok;

/** One failed answer of a data endpoint (`/business/get/`). */
export function classifyBusinessAnswer(answer: HttpAnswer): PlatformError {
  return failure(answer, kindFor(answer.status, envelopeCode(answer.body).code));
}

/** The kit's hook: non-2xx, or an envelope whose `code` is not 0, failed. */
export const businessClassifier: AnswerClassifier = (answer) =>
  failed(answer) ? classifyBusinessAnswer(answer) : undefined;

/**
 * The OAuth endpoints (`/tt_user/oauth2/*`): a refused refresh means the grant is gone (revoked in the app,
 * refresh token expired or already rotated away) and only a new consent helps; a refused code exchange or
 * revocation is final for that request; throttling and outages stay retryable.
 */
export function businessOAuthClassifier(
  grant: 'authorization_code' | 'refresh_token' | 'revoke',
): AnswerClassifier {
  return (answer) => {
    if (!failed(answer)) return undefined;
    const kind = kindFor(answer.status, envelopeCode(answer.body).code);
    if (kind === 'rate_limited' || kind === 'transient') return failure(answer, kind);
    return failure(answer, grant === 'refresh_token' ? 'reauth_required' : 'permanent');
  };
}
