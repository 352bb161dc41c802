/** The connector HTTP kit bound to TikTok: Display API classification by default (errors.ts). */
import type { Logger } from '../../shared/logger';
import { createConnectorHttp, type ConnectorHttp, type RetryOptions } from '../http';
import { classifyApiAnswer } from './errors';

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface TikTokHttpOptions {
  timeoutMs?: number;
  logger: Logger;
  now: () => number;
  retry?: RetryOptions;
}

export function createTikTokHttp(options: TikTokHttpOptions): ConnectorHttp {
  return createConnectorHttp({
    platform: 'tiktok',
    classify: classifyApiAnswer,
    ...options,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}
