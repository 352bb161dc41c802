/**
 * What socialsync knows about one platform, in one place: every per-platform table of the service (display names,
 * item kinds, webhook methods, app rate limits, settings from the environment, OAuth origins) is derived from the
 * descriptors listed in src/platforms/registry.ts. Each platform folder holds its own (`<platform>/descriptor.ts`).
 */
import type { Env } from '../config';
import type { ItemKind, PlatformId } from '../domain';
import type { Logger } from '../shared/logger';
import type { RetryOptions } from './http';
import type { PlatformConnector } from './types';

export interface ConnectorFactoryDeps {
  logger?: Logger;
  /** Clock for token expiry and rate-limit reset times (tests pass the sandbox clock). */
  now?: () => number;
  /** In-call retries of transient failures (src/platforms/http/retry.ts); benches and tests may tune them. */
  retry?: RetryOptions;
}

/** HTTP methods a platform's webhook endpoint `/webhooks/{platform}` answers (GET = subscription handshake). */
export type WebhookMethod = 'GET' | 'POST';

/** The environment variables of a platform's app credentials; the platform is configured when all are set. */
export type CredentialVariable = {
  [K in keyof Env]-?: Env[K] extends string | undefined ? (undefined extends Env[K] ? K : never) : never;
}[keyof Env];

export interface PlatformDescriptor<Settings = unknown> {
  id: PlatformId;
  /** How people and pages name it ("X", not "twitter"). */
  displayName: string;
  /** Item collections, the primary one first (the same list as `ITEM_KINDS` of src/domain). */
  itemKinds: readonly ItemKind[];
  webhookMethods: readonly WebhookMethod[];
  /**
   * Activities per second across every worker on this platform's task queue (`maxTaskQueueActivitiesPerSecond`):
   * the per-app limit, one sync page being one activity and usually one call.
   */
  appActivitiesPerSecond: number;
  /** Without every one of these set, the platform is served by its sandbox (see `npm start`). */
  credentials: readonly CredentialVariable[];
  /** The connector's settings; throws `PlatformNotConfiguredError` when a credential is missing. */
  settingsFromEnv(env: Env): Settings;
  /** Where the consent page lives: the dashboard's CSP `form-action` must allow its origin. */
  authorizeUrl(env: Env): string;
  createConnector(settings: Settings, deps?: ConnectorFactoryDeps): PlatformConnector;
}

/** The one way a platform's settings refuse an environment without its app credentials. */
export class PlatformNotConfiguredError extends Error {
  constructor(
    readonly platform: PlatformId,
    readonly missing: readonly string[],
  ) {
    super(`${platform} is not configured: set ${missing.join(' and ')}`);
    this.name = 'PlatformNotConfiguredError';
  }
}

/** True when every credential variable is set (config turns blank values into undefined). */
export function hasCredentials(env: Env, credentials: readonly CredentialVariable[]): boolean {
  return credentials.every((name) => Boolean(env[name]));
}

/**
 * The credential values, in the order named; throws `PlatformNotConfiguredError` naming the missing ones. Every
 * platform's `settingsFromEnv` starts with this, so they all fail alike.
 */
export function requireCredentials<const C extends readonly CredentialVariable[]>(
  env: Env,
  platform: PlatformId,
  credentials: C,
): { [I in keyof C]: string } {
  const missing = credentials.filter((name) => !env[name]);
  if (missing.length > 0) throw new PlatformNotConfiguredError(platform, missing);
  return credentials.map((name) => env[name]!) as { [I in keyof C]: string };
}

/** Ties a descriptor's settings type to its connector factory while the registry lists them side by side. */
export function definePlatform<Settings>(
  descriptor: PlatformDescriptor<Settings>,
): PlatformDescriptor<Settings> {
  return descriptor;
}
