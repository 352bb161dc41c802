/**
 * Typed map PlatformId → connector factory. Composition roots build the connectors of the platforms whose
 * credentials are configured; a platform without credentials is served by its sandbox (see `npm start`).
 */
import type { Env } from '../config';
import type { Logger } from '../shared/logger';
import type { RetryOptions } from './http';
import { createInstagramConnector, instagramSettingsFromEnv } from './instagram';
import { createTikTokConnector, tiktokSettingsFromEnv } from './tiktok';
import { createTwitterConnector, twitterSettingsFromEnv } from './twitter';
import type { PlatformConnector, PlatformId } from './types';

export interface ConnectorFactoryDeps {
  logger?: Logger;
  /** Clock for token expiry and rate-limit reset times (tests pass the sandbox clock). */
  now?: () => number;
  /** In-call retries of transient failures (src/platforms/http/retry.ts); benches and tests may tune them. */
  retry?: RetryOptions;
}

export interface ConnectorFactory {
  /** True when the environment holds this platform's app credentials. */
  configured(env: Env): boolean;
  create(env: Env, deps?: ConnectorFactoryDeps): PlatformConnector;
}

export type ConnectorFactories = Record<PlatformId, ConnectorFactory>;

export const CONNECTOR_FACTORIES: ConnectorFactories = {
  instagram: {
    configured: (env) => Boolean(env.INSTAGRAM_CLIENT_ID && env.INSTAGRAM_CLIENT_SECRET),
    create: (env, deps) => createInstagramConnector(instagramSettingsFromEnv(env), deps),
  },
  twitter: {
    configured: (env) => Boolean(env.TWITTER_CLIENT_ID && env.TWITTER_CLIENT_SECRET),
    create: (env, deps) => createTwitterConnector(twitterSettingsFromEnv(env), deps),
  },
  tiktok: {
    configured: (env) => Boolean(env.TIKTOK_CLIENT_KEY && env.TIKTOK_CLIENT_SECRET),
    create: (env, deps) => createTikTokConnector(tiktokSettingsFromEnv(env), deps),
  },
};

/** Connectors of every platform configured in `env` (or of `only`, which must then be configured). */
export function createConnectors(
  env: Env,
  deps: ConnectorFactoryDeps = {},
  only?: readonly PlatformId[],
): Partial<Record<PlatformId, PlatformConnector>> {
  const out: Partial<Record<PlatformId, PlatformConnector>> = {};
  for (const [platform, factory] of Object.entries(CONNECTOR_FACTORIES) as [PlatformId, ConnectorFactory][]) {
    if (only && !only.includes(platform)) continue;
    if (!factory.configured(env)) {
      if (only) throw new Error(`${platform} is not configured: set its client id and secret`);
      continue;
    }
    out[platform] = factory.create(env, deps);
  }
  return out;
}
