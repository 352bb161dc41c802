import { ApplicationFailure } from '@temporalio/common';
import { PlatformError } from '../platforms/errors';
import { FailureType, RATE_LIMIT_MARGIN_MS, toActivityFailure } from './failures';

const details = { platform: 'twitter' as const, endpoint: 'GET /2/users/:id/tweets' };

function failure(err: unknown, now = 1_000_000): ApplicationFailure {
  const mapped = toActivityFailure(err, now);
  expect(mapped).toBeInstanceOf(ApplicationFailure);
  return mapped as ApplicationFailure;
}

describe('toActivityFailure', () => {
  it('retries a rate-limited call exactly when the platform said the window resets (plus a margin)', () => {
    const f = failure(
      new PlatformError('rate_limited', 'Too Many Requests', { ...details, retryAt: 1_060_000 }),
    );
    expect(f.type).toBe(FailureType.rateLimited);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(60_000 + RATE_LIMIT_MARGIN_MS);
  });

  it('waits at least the margin when the reset instant already passed', () => {
    const f = failure(new PlatformError('rate_limited', 'slow down', { ...details, retryAt: 900_000 }));
    expect(f.nextRetryDelay).toBe(RATE_LIMIT_MARGIN_MS);
  });

  it('makes revoked consent and permanent errors non-retryable', () => {
    expect(failure(new PlatformError('reauth_required', 'revoked', details))).toMatchObject({
      type: FailureType.reauthRequired,
      nonRetryable: true,
    });
    expect(failure(new PlatformError('permanent', 'bad shape', details))).toMatchObject({
      type: FailureType.permanent,
      nonRetryable: true,
    });
    expect(failure(new PlatformError('unsupported', 'no endpoint', details))).toMatchObject({
      type: FailureType.unsupported,
      nonRetryable: true,
    });
  });

  it('keeps transient and still-expired failures retryable with backoff', () => {
    const transient = failure(new PlatformError('transient', '503', details));
    expect(transient).toMatchObject({ type: FailureType.transient, nonRetryable: false });
    expect(transient.nextRetryDelay).toBeUndefined();
    expect(failure(new PlatformError('token_expired', 'expired', details))).toMatchObject({
      type: FailureType.tokenExpired,
      nonRetryable: false,
    });
  });

  it('passes other errors through unchanged (Firestore hiccups are retried by policy)', () => {
    const err = new Error('DEADLINE_EXCEEDED');
    expect(toActivityFailure(err, 0)).toBe(err);
  });
});
