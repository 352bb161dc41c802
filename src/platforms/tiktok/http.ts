/** The connector HTTP kit bound to TikTok: Display API classification by default (errors.ts). */
import { createConnectorHttp, type ConnectorHttp, type PlatformHttpOptions } from '../http';
import { classifyApiAnswer } from './errors';

export const DEFAULT_TIMEOUT_MS = 15_000;

export function createTikTokHttp(options: PlatformHttpOptions): ConnectorHttp {
  return createConnectorHttp({
    ...options,
    platform: 'tiktok',
    classify: classifyApiAnswer,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}
