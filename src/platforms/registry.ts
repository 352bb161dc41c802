/**
 * The one list of platforms: each entry is the descriptor in its folder (`<platform>/descriptor.ts`), and every
 * per-platform table of the service is derived from here. Adding a platform = its id in src/domain, its folder,
 * and one line below. Composition roots build the connectors of the platforms whose credentials are configured; a
 * platform without credentials is served by its sandbox (see `npm start`).
 */
import type { Env } from '../config';
import type { PlatformId } from '../domain';
import type { ConnectorFactoryDeps, PlatformDescriptor } from './descriptor';
import { hasCredentials } from './descriptor';
import { instagram } from './instagram/descriptor';
import { tiktok } from './tiktok/descriptor';
import { twitter } from './twitter/descriptor';
import type { PlatformConnector } from './types';

export type { ConnectorFactoryDeps, PlatformDescriptor, WebhookMethod } from './descriptor';
export { PlatformNotConfiguredError } from './descriptor';

/** Every platform socialsync knows, by id (the `satisfies` makes a platform id without a descriptor a type error). */
export const PLATFORMS = {
  instagram,
  twitter,
  tiktok,
} as const satisfies Readonly<Record<PlatformId, PlatformDescriptor>>;

/** The connectors this deployment serves; a platform that is absent answers 404 on every route. */
export type ConnectorRegistry = Partial<Record<PlatformId, PlatformConnector>>;

export function platformDescriptor(platform: PlatformId): PlatformDescriptor {
  return PLATFORMS[platform];
}

/** The descriptors in registry order. */
export function platformDescriptors(): PlatformDescriptor[] {
  return Object.values(PLATFORMS);
}

/** True when the environment holds this platform's app credentials. */
export function isConfigured(platform: PlatformId, env: Env): boolean {
  return hasCredentials(env, PLATFORMS[platform].credentials);
}

/** How a platform is named to people ("X"); anything that is not a platform id is returned as it came. */
export function displayName(platform: string): string {
  return (PLATFORMS as Record<string, PlatformDescriptor | undefined>)[platform]?.displayName ?? platform;
}

/** Per-app activity rate of each platform's task queue (activities per second across all workers). */
export function appActivitiesPerSecond(): Record<PlatformId, number> {
  return Object.fromEntries(platformDescriptors().map((d) => [d.id, d.appActivitiesPerSecond])) as Record<
    PlatformId,
    number
  >;
}

/** Origins of the consent pages of `platforms` (default all): where the dashboard's connect forms may go. */
export function authorizeOrigins(
  env: Env,
  platforms: readonly PlatformId[] = Object.keys(PLATFORMS) as PlatformId[],
) {
  return [...new Set(platforms.map((p) => new URL(PLATFORMS[p].authorizeUrl(env)).origin))];
}

/** A connector of `platform` from the environment; throws `PlatformNotConfiguredError` without its credentials. */
export function createConnector(
  platform: PlatformId,
  env: Env,
  deps: ConnectorFactoryDeps = {},
): PlatformConnector {
  const descriptor: PlatformDescriptor = PLATFORMS[platform];
  return descriptor.createConnector(descriptor.settingsFromEnv(env), deps);
}

/** Connectors of every platform configured in `env` (or of `only`, which must then be configured). */
export function createConnectors(
  env: Env,
  deps: ConnectorFactoryDeps = {},
  only?: readonly PlatformId[],
): ConnectorRegistry {
  const out: ConnectorRegistry = {};
  for (const descriptor of platformDescriptors()) {
    if (only && !only.includes(descriptor.id)) continue;
    // Asked for by name: a missing credential is an error naming it, not a silently absent platform.
    if (!only && !isConfigured(descriptor.id, env)) continue;
    out[descriptor.id] = createConnector(descriptor.id, env, deps);
  }
  return out;
}
