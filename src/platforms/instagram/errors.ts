/**
 * Classification of every Instagram failure into a PlatformError kind, where it is thrown (pure: unit-tested).
 * Meta reports most failures as HTTP 400 with a code in the JSON body, so the code decides, not the status:
 * - 190 OAuthException (463 expired, 458 app removed, 460 password changed, 467 invalid) → reauth_required: an
 *   Instagram token can only be refreshed while it is still valid, so an expired one is dead and `token_expired`
 *   (refresh, then retry) could never succeed; the user must connect again.
 * - 4 (app), 17 (user), 32 (page), 613 (custom), 80002 (Instagram BUC) or HTTP 429 → rate_limited, retryAt from
 *   `X-Business-Use-Case-Usage.estimated_time_to_regain_access` (minutes), else `Retry-After`, else 5 minutes.
 * - 1, 2 or `is_transient`, any 5xx → transient (timeouts and connection errors: the kit, src/platforms/http).
 * - everything else (bad parameter, unsupported metric, unknown object…) → permanent.
 */
import { PlatformError } from '../errors';
import { headerValue, retryAfterAt, type HeaderBag, type HttpAnswer } from '../http';
import { MetaErrorBody, OAuthCodeErrorBody } from './schemas';

export const THROTTLE_CODES = new Set([4, 17, 32, 613, 80001, 80002]);
export const DEFAULT_THROTTLE_MS = 5 * 60_000;

/** When a throttled caller may retry: the longest BUC estimate, else Retry-After, else a default. */
export function retryAtFrom(headers: HeaderBag | undefined, now: number): number {
  const buc = headerValue(headers, 'x-business-use-case-usage');
  if (buc) {
    try {
      const parsed = JSON.parse(buc) as Record<string, { estimated_time_to_regain_access?: number }[]>;
      const minutes = Math.max(
        0,
        ...Object.values(parsed).flatMap((list) =>
          list.map((u) => Number(u.estimated_time_to_regain_access) || 0),
        ),
      );
      if (minutes > 0) return now + minutes * 60_000;
    } catch {
      // A malformed usage header must not hide the throttle itself: fall through to the defaults.
    }
  }
  const retryAfter = retryAfterAt(headerValue(headers, 'retry-after'), now);
  if (retryAfter !== undefined && retryAfter > now) return retryAfter;
  return now + DEFAULT_THROTTLE_MS;
}

/** A non-2xx answer of any Instagram endpoint (Graph API and OAuth); failures without an answer are the kit's. */
export function classifyFailure(f: HttpAnswer): PlatformError {
  const base = { platform: 'instagram' as const, endpoint: f.endpoint, status: f.status };
  const meta = MetaErrorBody.safeParse(f.body);
  if (meta.success) {
    const { code, error_subcode: subcode, message, is_transient: isTransient } = meta.data.error;
    const details = { ...base, platformCode: subcode === undefined ? code : `${code}/${subcode}` };
    if (code === 190) return new PlatformError('reauth_required', message, details);
    if (THROTTLE_CODES.has(code) || f.status === 429) {
      return new PlatformError('rate_limited', message, {
        ...details,
        retryAt: retryAtFrom(f.headers, f.now),
      });
    }
    if (isTransient || code === 1 || code === 2 || f.status >= 500)
      return new PlatformError('transient', message, details);
    return new PlatformError('permanent', message, details);
  }
  const oauth = OAuthCodeErrorBody.safeParse(f.body);
  if (oauth.success) {
    const message = oauth.data.error_message;
    // Wrong app credentials are configuration; a bad, used or expired code means the user has to consent again.
    const kind = /platform app|client secret|client_id/i.test(message) ? 'permanent' : 'reauth_required';
    return new PlatformError(kind, message, { ...base, platformCode: oauth.data.code });
  }
  if (f.status === 429)
    return new PlatformError('rate_limited', 'HTTP 429', { ...base, retryAt: retryAtFrom(f.headers, f.now) });
  if (f.status >= 500) return new PlatformError('transient', `HTTP ${f.status}`, base);
  return new PlatformError('permanent', `HTTP ${f.status} with an unrecognised body`, base);
}
