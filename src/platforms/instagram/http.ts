/**
 * The connector HTTP kit bound to Instagram: Meta's classification rules (errors.ts), and one usage bucket, since
 * Instagram counts every call against one per-user hourly window.
 */
import type { Logger } from '../../shared/logger';
import { createConnectorHttp, failsUnless2xx, type ConnectorHttp, type RetryOptions } from '../http';
import { classifyFailure } from './errors';

/** Budget bucket: Instagram counts every call against one per-user hourly window. */
export const USAGE_BUCKET = '*';

export type InstagramHttp = ConnectorHttp;

export interface InstagramHttpOptions {
  timeoutMs: number;
  logger: Logger;
  now: () => number;
  retry?: RetryOptions;
}

export function createInstagramHttp(options: InstagramHttpOptions): InstagramHttp {
  return createConnectorHttp({
    platform: 'instagram',
    classify: failsUnless2xx(classifyFailure),
    defaultBucket: USAGE_BUCKET,
    ...options,
  });
}
