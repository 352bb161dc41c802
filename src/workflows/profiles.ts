/**
 * Activity proxies, one per named timeout/retry profile. Platform activities run on the platform's own task
 * queue (per-app rate limit enforced by the server); bookkeeping activities on the workflow task queue.
 * Built per workflow run because queue names carry the deployment's prefix (see definitions.ts).
 */
import { patched, proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_FAILURE_TYPES, type PlatformId } from '../domain';
import { platformTaskQueue, workflowTaskQueue } from './definitions';
import { LOCAL_BOOKKEEPING_PATCH } from './patches';

/** Failure types no retry can fix (src/domain/failures.ts). */
const NON_RETRYABLE = [...NON_RETRYABLE_FAILURE_TYPES];

export type PlatformCalls = Pick<
  Activities,
  'syncItemsPage' | 'syncAccount' | 'refreshToken' | 'refreshItemsByIds'
>;
export type PageBatches = Pick<Activities, 'syncItemsPages'>;
export type Bookkeeping = Omit<Activities, keyof PlatformCalls | keyof PageBatches>;

/** Retries of every activity that calls a platform: backoff through about ten minutes of outage. */
const PLATFORM_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 15,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

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
    retry: PLATFORM_RETRY,
  });
}

/**
 * Profile "page batch": several pages of one walk in one activity, on the platform's queue like the other platform
 * calls and retried the same way; longer start-to-close because it covers several calls, and a retry resumes from
 * the heartbeat checkpoint (src/activities: syncItemsPages), so a timeout loses no finished page.
 */
export function pageBatches(platform: PlatformId, prefix?: string): PageBatches {
  return proxyActivities<PageBatches>({
    taskQueue: platformTaskQueue(platform, prefix),
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry: PLATFORM_RETRY,
  });
}

/** Profile "bookkeeping": Firestore status writes and schedule control — quick, idempotent, retried briefly. */
const BOOKKEEPING_RETRY: RetryPolicy = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 20,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

/** Before LOCAL_BOOKKEEPING_PATCH: bookkeeping as activities on the workflow task queue. */
export function bookkeeping(prefix?: string): Bookkeeping {
  return proxyActivities<Bookkeeping>({
    taskQueue: workflowTaskQueue(prefix),
    startToCloseTimeout: '20 seconds',
    retry: BOOKKEEPING_RETRY,
  });
}

/**
 * The bookkeeping of a workflow: short Firestore and schedule steps that call no platform. Since
 * LOCAL_BOOKKEEPING_PATCH they run as local activities, in the worker that runs the workflow (which registers every
 * activity): one marker in history each, no round trip through the server and no workflow task between them (issue
 * 13: three of them ran one after another before a connection's first sync could start). Runs begun before the
 * patch keep the activities on the workflow task queue. Call once, at the start of the workflow.
 */
export function bookkeepingOf(prefix?: string): Bookkeeping {
  if (!patched(LOCAL_BOOKKEEPING_PATCH)) return bookkeeping(prefix);
  return proxyLocalActivities<Bookkeeping>({ startToCloseTimeout: '20 seconds', retry: BOOKKEEPING_RETRY });
}
