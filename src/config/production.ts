/**
 * What `NODE_ENV=production` refuses (docs/deploy.md → Production checks). Locally `npm start` fills every gap with
 * a toy — an embedded Temporal dev server, a Firestore emulator, sandbox platforms, a generated admin key, a dev
 * token key, `http://127.0.0.1` redirect URIs; production must never do that silently. `productionProblems` lists
 * every missing or unsafe setting at once, so one failed start tells the operator everything to fix.
 */
import type { PlatformId } from '../domain';
import { firestoreTarget, googleCloudProject } from './firestore';
import { parsePlatforms } from './platforms';
import { TemporalConfigError, withTemporalProfile } from './temporal';

/** Shortest ADMIN_API_KEY production accepts (a shorter key can be guessed online). */
export const MIN_PRODUCTION_ADMIN_KEY_LENGTH = 32;

/** A platform as far as production cares: the variables of its app credentials (a descriptor fits). */
export interface PlatformCredentials {
  id: PlatformId;
  credentials: readonly string[];
}

type RawEnv = Record<string, string | undefined>;

const value = (env: RawEnv, name: string): string | undefined => env[name]?.trim() || undefined;

function temporalProblem(env: RawEnv): string | undefined {
  let merged: RawEnv;
  try {
    merged = withTemporalProfile(env);
  } catch (err) {
    if (err instanceof TemporalConfigError) return err.message;
    throw err;
  }
  if (value(merged, 'TEMPORAL_ADDRESS')) return undefined;
  const profile = value(env, 'TEMPORAL_PROFILE') ?? 'default';
  return value(env, 'TEMPORAL_CONFIG_FILE') || value(env, 'TEMPORAL_PROFILE')
    ? `TEMPORAL_ADDRESS: not set, and profile "${profile}" has no address (production starts no embedded Temporal)`
    : 'TEMPORAL_ADDRESS: not set (or TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): production starts no embedded Temporal';
}

/** What the process runs: the HTTP service, workers only, or both (the default). */
export type ProcessRole = 'service' | 'worker' | 'all';

/**
 * Every missing or unsafe setting of a production start, one line each (`NAME: why`); empty outside production or
 * when all is well. `platforms` are the platforms' credential lists (`platformDescriptors()` of
 * src/platforms/registry.ts). A `worker` process serves no management API, so it needs no ADMIN_API_KEY; everything
 * else applies to every role (workers build the same connectors, whose webhook URLs start with PUBLIC_BASE_URL).
 * Reads only the environment, and the Temporal profile file when one is named.
 */
export function productionProblems(
  env: RawEnv,
  platforms: readonly PlatformCredentials[],
  role: ProcessRole = 'all',
): string[] {
  if (value(env, 'NODE_ENV') !== 'production') return [];
  const problems: string[] = [];

  const temporal = temporalProblem(env);
  if (temporal) problems.push(temporal);

  // In production Firestore is real (ADC) unless FIRESTORE_EMULATOR_HOST names an emulator explicitly.
  if (firestoreTarget(env).kind === 'real' && !googleCloudProject(env))
    problems.push(
      'GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT): not set: real Firestore needs the project id (production uses no default project)',
    );
  if (value(env, 'FIREBASE_AUTH_EMULATOR_HOST'))
    problems.push(
      'FIREBASE_AUTH_EMULATOR_HOST: set: ID tokens would be checked against the Auth emulator, which accepts forged tokens; unset it',
    );

  // A worker serves no management API: it needs no key, but one that is set must still be long enough.
  const adminKey = value(env, 'ADMIN_API_KEY');
  if (adminKey !== undefined && adminKey.length < MIN_PRODUCTION_ADMIN_KEY_LENGTH)
    problems.push(`ADMIN_API_KEY: must be at least ${MIN_PRODUCTION_ADMIN_KEY_LENGTH} characters`);
  else if (adminKey === undefined && role !== 'worker')
    problems.push(
      `ADMIN_API_KEY: not set: production generates no admin key (use at least ${MIN_PRODUCTION_ADMIN_KEY_LENGTH} random characters)`,
    );

  const baseUrl = value(env, 'PUBLIC_BASE_URL');
  if (!baseUrl)
    problems.push(
      'PUBLIC_BASE_URL: not set: OAuth redirect URIs and webhook URLs need the public https address of the service',
    );
  else if (!/^https:\/\/[^/]/i.test(baseUrl))
    problems.push(`PUBLIC_BASE_URL: must be an https URL (got "${baseUrl}")`);

  if (!value(env, 'TOKEN_ENCRYPTION_KEYS'))
    problems.push(
      'TOKEN_ENCRYPTION_KEYS: not set: production uses no dev key file (kid:base64 of 32 random bytes)',
    );

  const enabled = parsePlatforms(env.PLATFORMS);
  if (enabled.unknown.length > 0)
    problems.push(`PLATFORMS: unknown platform ${enabled.unknown.map((n) => `"${n}"`).join(', ')}`);
  for (const platform of platforms) {
    if (!enabled.platforms.includes(platform.id)) continue;
    const missing = platform.credentials.filter((name) => !value(env, name));
    if (missing.length > 0)
      problems.push(
        `${missing.join(', ')}: not set: production serves no sandbox for ${platform.id}; set the app's credentials ` +
          `or leave ${platform.id} out of PLATFORMS`,
      );
  }
  return problems;
}
