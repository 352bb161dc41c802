/**
 * Names of the failures that cross the activity/workflow boundary (Temporal `ApplicationFailure.type`). Thrown in
 * src/activities/failures.ts, reacted to in src/workflows.
 */
export const FailureType = {
  /** Consent revoked or token dead: the connection needs the user to reconnect. Non-retryable. */
  reauthRequired: 'ReauthRequired',
  /** Still expired after one refresh: retried (the next attempt reloads the token). */
  tokenExpired: 'TokenExpired',
  /** 429 / throttle: retried at the time the platform named. */
  rateLimited: 'RateLimited',
  /**
   * A pay-per-use platform's billing-period cap is used up (X's monthly post cap): not retried; the connection
   * pauses that platform's syncs until the cap resets (details carry `retryAt`).
   */
  usageCapped: 'UsageCapped',
  /** 5xx, timeouts, resets: retried with backoff. */
  transient: 'PlatformTransient',
  /** Bad request or unexpected response shape: not retried. */
  permanent: 'PlatformPermanent',
  /** No such endpoint on this platform: not retried. */
  unsupported: 'PlatformUnsupported',
  /** A sync failed; its details carry the state the connection workflow keeps (budget, calls). */
  syncFailed: 'SyncFailed',
  /** A sync request the connection workflow refused (disconnected, needs re-authorization). */
  syncRefused: 'SyncRefused',
} as const;
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Failure types no retry can fix. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureTypeName[] = [
  FailureType.reauthRequired,
  FailureType.usageCapped,
  FailureType.permanent,
  FailureType.unsupported,
];
