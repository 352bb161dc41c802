/**
 * Activity proxies, one per named timeout/retry profile. Platform activities run on the platform's own task
 * queue (per-app rate limit enforced by the server); bookkeeping activities on the workflow task queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlatformId } from '../platforms/types';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE } from './definitions';

/** Non-retryable ApplicationFailure types (see src/activities/failures.ts; string literals keep the bundle small). */
const NON_RETRYABLE = ['ReauthRequired', 'PlatformPermanent', 'PlatformUnsupported'];

type PlatformCalls = Pick<Activities, 'syncItemsPage' | 'syncAccount' | 'refreshToken'>;
type Bookkeeping = Omit<Activities, keyof PlatformCalls>;

/**
 * One page or one account snapshot: seconds of work, heartbeating, retried with backoff for about ten minutes
 * of outage (a 429 waits exactly until the platform's reset through `nextRetryDelay`).
 */
function platformProfile(platform: PlatformId) {
  return proxyActivities<PlatformCalls>({
    taskQueue: platformTaskQueue(platform),
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

export const platformActivities: Record<PlatformId, PlatformCalls> = {
  instagram: platformProfile('instagram'),
  twitter: platformProfile('twitter'),
  tiktok: platformProfile('tiktok'),
};

/** Firestore bookkeeping and schedule control: quick, idempotent, retried through short outages. */
export const engineActivities: Bookkeeping = proxyActivities<Bookkeeping>({
  taskQueue: WORKFLOW_TASK_QUEUE,
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
