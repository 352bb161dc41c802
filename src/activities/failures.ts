/**
 * Turns classified platform failures into Temporal failures. Retry decisions live in the activity retry
 * policies of the workflows; this module only says which failures are retryable and when.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../domain';
import { isPlatformError } from '../platforms/errors';

// The failure names are the domain's (src/domain/failures.ts); re-exported for the activity tests and callers.
export { FailureType };

/**
 * Safety margin added to a platform's reset instant: reset headers have one-second resolution, and calling at
 * the very edge of the window would still be a call made while limited.
 */
export const RATE_LIMIT_MARGIN_MS = 1_000;
/** Used when a throttle response names no reset time. */
export const DEFAULT_RATE_LIMIT_DELAY_MS = 60_000;

/** Maps any error thrown by a connector or token refresh to what Temporal should do with it. */
export function toActivityFailure(err: unknown, now: number): Error {
  if (!isPlatformError(err)) return err instanceof Error ? err : new Error(String(err));
  const message = err.message;
  switch (err.kind) {
    case 'reauth_required':
      return ApplicationFailure.create({ type: FailureType.reauthRequired, message, nonRetryable: true });
    case 'token_expired':
      return ApplicationFailure.create({ type: FailureType.tokenExpired, message });
    case 'rate_limited': {
      const delay =
        err.retryAt !== undefined
          ? Math.max(0, err.retryAt - now) + RATE_LIMIT_MARGIN_MS
          : DEFAULT_RATE_LIMIT_DELAY_MS;
      return ApplicationFailure.create({
        type: FailureType.rateLimited,
        message,
        nextRetryDelay: delay,
        details: [{ retryAt: now + delay }],
      });
    }
    case 'usage_capped':
      // Retrying before the cap resets only spends calls: the workflow pauses the platform's syncs instead.
      return ApplicationFailure.create({
        type: FailureType.usageCapped,
        message,
        nonRetryable: true,
        details: [{ retryAt: err.retryAt ?? null }],
      });
    case 'transient':
      return ApplicationFailure.create({ type: FailureType.transient, message });
    case 'permanent':
      return ApplicationFailure.create({ type: FailureType.permanent, message, nonRetryable: true });
    case 'unsupported':
      return ApplicationFailure.create({ type: FailureType.unsupported, message, nonRetryable: true });
  }
}

/** A connection without stored tokens cannot sync until the user connects again. */
export function missingTokenFailure(platform: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.reauthRequired,
    message: `no stored ${platform} token for this connection`,
    nonRetryable: true,
  });
}
