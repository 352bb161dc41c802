/** The connector HTTP kit bound to X: the data endpoints' classification by default (errors.ts). */
import { createConnectorHttp, type ConnectorHttp, type PlatformHttpOptions } from '../http';
import { apiClassifier, classifyApiAnswer, type ApiClassifyOptions } from './errors';

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createTwitterHttp(options: PlatformHttpOptions & ApiClassifyOptions): ConnectorHttp {
  const { capResetDay, ...rest } = options;
  return createConnectorHttp({
    ...rest,
    platform: 'twitter',
    classify: capResetDay === undefined ? classifyApiAnswer : apiClassifier({ capResetDay }),
    timeoutMs: rest.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}
