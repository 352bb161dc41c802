/**
 * Activity proxies, one per named timeout/retry profile. Platform activities run on the platform's own task
 * queue (per-app rate limit enforced by the server); bookkeeping activities on the workflow task queue.
 * Built per workflow run because queue names carry the deployment's prefix (see definitions.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_FAILURE_TYPES, type PlatformId } from '../domain';
import { platformTaskQueue, workflowTaskQueue } from './definitions';

/** Failure types no retry can fix (src/domain/failures.ts). */
const NON_RETRYABLE = [...NON_RETRYABLE_FAILURE_TYPES];

export type PlatformCalls = Pick<
  Activities,
  'syncItemsPage' | 'syncAccount' | 'refreshToken' | 'refreshItemsByIds'
>;
export type Bookkeeping = Omit<Activities, keyof PlatformCalls>;

/**
 * Profile "platform call": one page or one account snapshot — seconds of work, heartbeating, retried with
 * backoff through about ten minutes of outage; a 429 waits exactly until the platform's reset instead
 * (`nextRetryDelay`, see failures.ts).
 */
export function platformCalls(platform: PlatformId, prefix?: string): PlatformCalls {
  return proxyActivities<PlatformCalls>({
    taskQueue: platformTaskQueue(platform, prefix),
    startToCloseTimeout: '45 seconds',
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 15,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** Profile "bookkeeping": Firestore status writes and schedule control — quick, idempotent, retried briefly. */
export function bookkeeping(prefix?: string): Bookkeeping {
  return proxyActivities<Bookkeeping>({
    taskQueue: workflowTaskQueue(prefix),
    startToCloseTimeout: '20 seconds',
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 20,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}
