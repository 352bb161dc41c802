/**
 * The connector HTTP kit bound to Instagram: Meta's classification rules (errors.ts), and one usage bucket, since
 * Instagram counts every call against one per-user hourly window.
 */
import { createConnectorHttp, failsUnless2xx, type ConnectorHttp, type PlatformHttpOptions } from '../http';
import { classifyFailure } from './errors';

/** Budget bucket: Instagram counts every call against one per-user hourly window. */
export const USAGE_BUCKET = '*';

export type InstagramHttp = ConnectorHttp;

export function createInstagramHttp(options: PlatformHttpOptions): InstagramHttp {
  return createConnectorHttp({
    ...options,
    platform: 'instagram',
    classify: failsUnless2xx(classifyFailure),
    defaultBucket: USAGE_BUCKET,
  });
}
