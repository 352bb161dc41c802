/**
 * Short retries of one call inside the connector, for failures a moment later may not repeat (5xx, timeouts,
 * connection resets): a transient failure costs one more call, not a whole activity attempt with its backoff.
 * Bounded and small on purpose; anything longer is the activity retry policy's job, where Temporal records it.
 */

export interface RetryOptions {
  /** Retries after the first attempt (default 2); 0 turns retrying off. */
  retries?: number;
  /** Smallest delay before a retry, ms (default 100). */
  minDelayMs?: number;
  /** Largest delay before a retry, ms (default 400). */
  maxDelayMs?: number;
  /** Source of jitter in [0, 1) (default Math.random; tests pin it). */
  random?: () => number;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'random'>> = {
  retries: 2,
  minDelayMs: 100,
  maxDelayMs: 400,
};

export interface RetryPolicy {
  retries: number;
  /** Delay before retry number `retry` (1-based). */
  delayMs(retry: number): number;
}

/**
 * Full jitter above a floor: retry n waits a uniform time in [min, min(max, min·2ⁿ)], so retries of many
 * connections that failed together do not arrive together.
 */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRY.retries));
  const min = Math.max(0, options.minDelayMs ?? DEFAULT_RETRY.minDelayMs);
  const max = Math.max(min, options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs);
  const random = options.random ?? Math.random;
  return {
    retries,
    delayMs(retry: number): number {
      const cap = Math.min(max, min * 2 ** retry);
      return Math.round(min + random() * (cap - min));
    },
  };
}
