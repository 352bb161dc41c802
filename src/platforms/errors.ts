/**
 * Every platform failure is classified where it is thrown into one of these kinds (each platform's rules in its
 * errors.ts, applied by the HTTP kit in src/platforms/http); activities turn them into Temporal failures
 * (src/activities) and workflows act on the kind:
 * - token_expired    → refresh the token, then retry
 * - reauth_required  → consent revoked / token dead: status `needs_reauth`, schedule paused, no retry
 * - rate_limited     → retry at `retryAt` (from the platform's reset header or error body)
 * - usage_capped     → a pay-per-use platform's billing-period cap (X's monthly post cap): no retry helps before
 *                      `retryAt` (the cap's reset), so the connection pauses that platform's syncs until then
 * - transient        → 5xx, timeouts, connection resets: retried briefly inside the call (idempotent requests),
 *                      then by the activity with backoff
 * - permanent        → bad request, changed API shape: no retry, clear message
 * - unsupported      → the platform has no such endpoint (e.g. stories on X): never invent data
 */
import type { PlatformId } from './types';

export type PlatformErrorKind =
  | 'token_expired'
  | 'reauth_required'
  | 'rate_limited'
  | 'usage_capped'
  | 'transient'
  | 'permanent'
  | 'unsupported';

export interface PlatformErrorDetails {
  platform: PlatformId;
  /** Endpoint in its documented form, e.g. `GET /2/users/:id/tweets`. */
  endpoint: string;
  status?: number;
  /** The platform's own error code (Meta `code`, TikTok `error.code`, OAuth `error`). */
  platformCode?: string | number;
  /** Epoch ms when a rate-limited call may be retried (for `usage_capped`: when the cap resets). */
  retryAt?: number;
  cause?: unknown;
}

export class PlatformError extends Error {
  readonly platform: PlatformId;
  readonly endpoint: string;
  readonly status?: number;
  readonly platformCode?: string | number;
  readonly retryAt?: number;

  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    details: PlatformErrorDetails,
  ) {
    super(`${details.platform} ${details.endpoint}: ${message}`, { cause: sanitizeCause(details.cause) });
    this.name = 'PlatformError';
    this.platform = details.platform;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.platformCode = details.platformCode;
    this.retryAt = details.retryAt;
  }

  get retryable(): boolean {
    return this.kind === 'token_expired' || this.kind === 'rate_limited' || this.kind === 'transient';
  }
}

/**
 * The cause a PlatformError keeps: its name, message and code only. An HTTP client's error (Axios keeps the request
 * `config` with the body — refresh tokens, client secrets — and headers, plus `request`/`response`) must never
 * travel with a PlatformError into logs, workflow failures or Temporal history (finding 9 of issue 14).
 */
export function sanitizeCause(cause: unknown): Error | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (!(cause instanceof Error))
    return new Error(typeof cause === 'string' ? cause.slice(0, 200) : `non-error cause (${typeof cause})`);
  const safe = new Error(cause.message);
  safe.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(safe, { code });
  if (cause.stack) safe.stack = cause.stack;
  return safe;
}

export function isPlatformError(err: unknown, kind?: PlatformErrorKind): err is PlatformError {
  return err instanceof PlatformError && (kind === undefined || err.kind === kind);
}
