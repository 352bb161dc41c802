/** The connector HTTP kit bound to X: the data endpoints' classification by default (errors.ts). */
import { createConnectorHttp, type ConnectorHttp, type PlatformHttpOptions } from '../http';
import { classifyApiAnswer } from './errors';

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createTwitterHttp(options: PlatformHttpOptions): ConnectorHttp {
  return createConnectorHttp({
    ...options,
    platform: 'twitter',
    classify: classifyApiAnswer,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}
