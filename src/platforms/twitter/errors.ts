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
import { WebhookErrorBody } from './activity-schemas';
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

/**
 * X's billing-period cap (pay-per-use: a monthly cap of Post reads) answers 429 like a window limit, but with the
 * problem type `https://api.twitter.com/2/problems/usage-capped` (title `UsageCapExceeded`, detail "Usage cap
 * exceeded: Monthly product cap", `period: "Monthly"`) while `x-rate-limit-remaining` still shows room: the
 * window's reset header says nothing about when the cap lifts. Sources:
 * https://docs.x.com/x-api/fundamentals/response-codes-and-errors (429 "Rate limit or usage cap exceeded", error
 * type `.../usage-capped`), https://docs.x.com/x-api/fundamentals/post-cap (monthly cap of Post reads),
 * a real answer in https://github.com/xdevplatform/xdk/issues/25.
 */
export function isUsageCapped(body: unknown): boolean {
  const type = field(body, 'type') ?? '';
  return type.endsWith('/usage-capped') || field(body, 'title') === 'UsageCapExceeded';
}

/**
 * When the monthly cap lifts: X gives no header for it; the cap follows the project's billing cycle, whose day of
 * the month X's Usage API reports as `cap_reset_day` (https://docs.x.com/x-api/usage/introduction). We take the
 * next occurrence of `resetDay` (1-28, default the 1st) at 00:00 UTC strictly after `now`.
 */
export function nextCapReset(now: number, resetDay = 1): number {
  const day = Math.min(28, Math.max(1, Math.trunc(resetDay)));
  const at = new Date(now);
  const thisMonth = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), day);
  return thisMonth > now ? thisMonth : Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, day);
}

/** Options of the data endpoints' classification (the connector's settings). */
export interface ApiClassifyOptions {
  /** Day of the month X's monthly cap resets (`TWITTER_USAGE_CAP_RESET_DAY`, default 1). */
  capResetDay?: number;
}

/** An HTTP answer other than 2xx from an API (not OAuth) endpoint. */
export function classifyApiFailure(failure: ApiFailure, options: ApiClassifyOptions = {}): PlatformError {
  const { endpoint, status, body, headers, now } = failure;
  const details = { platform: 'twitter' as const, endpoint, status, platformCode: field(body, 'type') };
  const message = `HTTP ${status}: ${describe(body)}`;
  if (status === 429 && isUsageCapped(body)) {
    return new PlatformError('usage_capped', message, {
      ...details,
      retryAt: nextCapReset(now, options.capResetDay),
    });
  }
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
export const classifyApiAnswer: AnswerClassifier = failsUnless2xx((failure) => classifyApiFailure(failure));

/** The same rules with the deployment's cap reset day. */
export function apiClassifier(options: ApiClassifyOptions): AnswerClassifier {
  return failsUnless2xx((failure) => classifyApiFailure(failure, options));
}

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

/** The failure reason X names in a webhook endpoint's error body (`DuplicateUrlFailed`…), if any. */
export function webhookFailureReason(body: unknown): string | undefined {
  const parsed = WebhookErrorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const texts = [
    ...(parsed.data.errors ?? []).flatMap((e) => [e.message, e.detail, e.title]),
    parsed.data.detail,
    parsed.data.title,
  ];
  for (const text of texts) {
    const match = text?.match(/\b([A-Z][A-Za-z]+(?:Failed|Exceeded|Invalid))\b/);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * A non-2xx answer of an app-level endpoint (V2 Webhooks API, X Activity API subscriptions). Everything but a
 * throttle or an outage (bad consumer key/secret, wrong auth type, CRC failure, unknown id) is the app's setup or
 * a request that will fail again the same way: no retry, a clear message.
 */
export function classifyAppFailure(answer: ApiFailure): PlatformError {
  const { endpoint, status, body, headers, now } = answer;
  const reason = webhookFailureReason(body);
  const message = `HTTP ${status}${reason ? `: ${reason}` : ''}`;
  const details = {
    platform: 'twitter' as const,
    endpoint,
    status,
    ...(reason ? { platformCode: reason } : {}),
  };
  if (status === 429) {
    return new PlatformError('rate_limited', message, { ...details, retryAt: retryAtFrom(headers, now) });
  }
  if (status >= 500 || status === 408) return new PlatformError('transient', message, details);
  return new PlatformError('permanent', message, details);
}

export const classifyAppAnswer: AnswerClassifier = failsUnless2xx(classifyAppFailure);

/** `POST /oauth2/token` (client_credentials): a 401 or 403 means X refused the consumer key and secret. */
export const classifyAppTokenAnswer: AnswerClassifier = (answer) => {
  if (answer.status === 200) return undefined;
  if (answer.status === 401 || answer.status === 403) {
    return new PlatformError(
      'permanent',
      `HTTP ${answer.status}: X refused TWITTER_CONSUMER_KEY/TWITTER_CONSUMER_SECRET (the app's API key and secret)`,
      { platform: 'twitter', endpoint: answer.endpoint, status: answer.status },
    );
  }
  return classifyAppFailure(answer);
};
