/**
 * The whole environment of socialsync, parsed once with zod (docs/contract.md → Environment).
 * `loadConfig()` is called by entry points only; everything else receives the parsed `Config` as a dependency.
 */
import { z } from 'zod';
import { parseDuration } from '../shared/duration';
import { googleCloudProject } from './firestore';
import { parsePlatforms } from './platforms';
import { TemporalConfigError, temporalSettingsProblems, withTemporalProfile } from './temporal';

export { firestoreTarget, googleCloudProject, type FirestoreTarget } from './firestore';
export { parsePlatforms } from './platforms';
export { MIN_PRODUCTION_ADMIN_KEY_LENGTH, productionProblems, type PlatformCredentials } from './production';
export {
  TEMPORAL_VARIABLES,
  temporalConnectConfig,
  temporalProfileRequested,
  temporalSettingsFromEnv,
  TemporalConfigError,
  type TemporalConnectConfig,
  type TemporalSettings,
} from './temporal';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (fallback: string) => z.string().trim().url().default(fallback);

const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return parseDuration(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

/** Port of the HTTP service when PORT is unset. */
export const DEFAULT_PORT = 8080;

/** Port of a worker process's health and metrics server when WORKER_HTTP_PORT is unset. */
export const DEFAULT_WORKER_HTTP_PORT = 8081;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const usd = (fallback: number) => z.coerce.number().nonnegative().finite().default(fallback);

/** `kid1:base64key,kid2:base64key` — 32-byte AES-256 keys; the first encrypts, all decrypt. */
const keyring = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const keys: { kid: string; key: Buffer }[] = [];
    for (const part of raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const sep = part.indexOf(':');
      const kid = sep > 0 ? part.slice(0, sep) : '';
      const key = Buffer.from(sep > 0 ? part.slice(sep + 1) : '', 'base64');
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid) || key.length !== 32) {
        // Never echo the key material itself.
        ctx.addIssue({
          code: 'custom',
          message: `entry ${keys.length + 1} must be "kid:base64" with a 1-32 character [A-Za-z0-9_-] kid and a 32-byte key`,
        });
        return z.NEVER;
      }
      if (keys.some((k) => k.kid === kid)) {
        ctx.addIssue({ code: 'custom', message: `key id "${kid}" appears twice` });
        return z.NEVER;
      }
      keys.push({ kid, key });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one kid:base64key entry' });
      return z.NEVER;
    }
    return keys;
  });

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /**
   * Temporal (src/config/temporal.ts, the variables of @temporalio/envconfig): values from a TOML profile
   * (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) are folded in by loadConfig, the variables winning.
   */
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  /** The Temporal Web UI, for the dashboard's links to a user's runs and schedules; `npm start` sets its own. */
  TEMPORAL_UI_URL: optionalString.pipe(z.string().url().optional()),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_PROFILE: optionalString,
  TEMPORAL_CONFIG_FILE: optionalString,
  TEMPORAL_TLS: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: optionalString,
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_CERT_DATA: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_DATA: optionalString,

  /** The platforms this deployment serves (`instagram,twitter`); unset = all (src/config/platforms.ts). */
  PLATFORMS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const parsed = parsePlatforms(raw);
      if (parsed.unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown platform ${parsed.unknown.map((n) => `"${n}"`).join(', ')} (expected instagram, twitter, tiktok)`,
        });
        return z.NEVER;
      }
      return parsed.platforms;
    }),

  FIRESTORE_EMULATOR_HOST: optionalString,
  GCLOUD_PROJECT: z.string().trim().min(1).default('socialsync-local'),
  GOOGLE_APPLICATION_CREDENTIALS: optionalString,

  PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_PORT),
  /** The `worker` role's health and metrics server (`/healthz`, `/readyz`, `/metrics`); 0 = any free port. */
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_WORKER_HTTP_PORT),
  PUBLIC_BASE_URL: optionalString.pipe(z.string().url().optional()),
  ADMIN_API_KEY: optionalString,
  /**
   * Express `trust proxy` (e.g. `1`, `loopback`, `10.0.0.0/8`): behind a reverse proxy the client address, which
   * the rate limits key on, comes from X-Forwarded-For through these hops. Unset: the TCP peer.
   */
  TRUST_PROXY: optionalString,
  /** Bearer token for GET /metrics; unset → /metrics answers loopback callers only (docs/security.md). */
  METRICS_BEARER_TOKEN: optionalString,
  /** Longest a `?wait=true` sync request waits before answering 202 with the run's handle. */
  SYNC_WAIT_TIMEOUT: duration('60s'),
  TOKEN_ENCRYPTION_KEYS: keyring.optional(),

  SYNC_INTERVAL: duration('6h'),
  INSTAGRAM_CALLS_PER_HOUR: positiveInt(200),
  TWITTER_CALLS_PER_15MIN: positiveInt(900),
  TIKTOK_CALLS_PER_MINUTE: positiveInt(600),

  INSTAGRAM_CLIENT_ID: optionalString,
  INSTAGRAM_CLIENT_SECRET: optionalString,
  INSTAGRAM_WEBHOOK_VERIFY_TOKEN: optionalString,
  INSTAGRAM_AUTHORIZE_URL: url('https://www.instagram.com/oauth/authorize'),
  INSTAGRAM_TOKEN_URL: url('https://api.instagram.com/oauth/access_token'),
  INSTAGRAM_GRAPH_URL: url('https://graph.instagram.com'),
  INSTAGRAM_GRAPH_VERSION: optionalString.pipe(
    z
      .string()
      .regex(/^v\d+\.\d+$/, 'expected a Graph API version such as v23.0')
      .optional(),
  ),

  TWITTER_CLIENT_ID: optionalString,
  TWITTER_CLIENT_SECRET: optionalString,
  TWITTER_AUTHORIZE_URL: url('https://x.com/i/oauth2/authorize'),
  TWITTER_API_URL: url('https://api.x.com'),
  TWITTER_CONSUMER_KEY: optionalString,
  TWITTER_CONSUMER_SECRET: optionalString,
  /** X cost (docs/twitter.md → Cost): refresh window of incremental syncs in days (0: new posts only). */
  TWITTER_METRICS_REFRESH_DAYS: nonNegativeInt(30),
  /** Older posts whose metrics each incremental sync refreshes, least recently updated first (0: none). */
  TWITTER_OLDER_POSTS_REFRESH_PER_SYNC: nonNegativeInt(10),
  /** X's pay-per-use prices per resource read (https://docs.x.com/x-api/getting-started/pricing). */
  TWITTER_PRICE_PER_POST_READ_USD: usd(0.005),
  TWITTER_PRICE_PER_USER_READ_USD: usd(0.01),
  /** Day of the month (UTC) X's monthly post cap resets: the project's `cap_reset_day` in X's Usage API. */
  TWITTER_USAGE_CAP_RESET_DAY: z.coerce.number().int().min(1).max(28).default(1),

  TIKTOK_CLIENT_KEY: optionalString,
  TIKTOK_CLIENT_SECRET: optionalString,
  TIKTOK_AUTHORIZE_URL: url('https://www.tiktok.com/v2/auth/authorize/'),
  TIKTOK_API_URL: url('https://open.tiktokapis.com'),
  /**
   * TikTok API for Business (Accounts API): the optional second authorization of a TikTok connection that brings
   * daily account metrics and audience (docs/tiktok.md). Both unset → the feature is off.
   */
  TIKTOK_BUSINESS_APP_ID: optionalString,
  TIKTOK_BUSINESS_SECRET: optionalString,
  TIKTOK_BUSINESS_API_URL: url('https://business-api.tiktok.com'),
});

export type Env = z.infer<typeof EnvSchema>;

/** Names of variables whose values must never be printed, not even in an error message. */
export const SECRET_VARIABLES = new Set([
  'ADMIN_API_KEY',
  'METRICS_BEARER_TOKEN',
  'TOKEN_ENCRYPTION_KEYS',
  'INSTAGRAM_CLIENT_SECRET',
  'INSTAGRAM_WEBHOOK_VERIFY_TOKEN',
  'TWITTER_CLIENT_SECRET',
  'TWITTER_CONSUMER_SECRET',
  'TIKTOK_CLIENT_SECRET',
  'TIKTOK_BUSINESS_SECRET',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
]);

/** Where clients reach the service: PUBLIC_BASE_URL, or this host at PORT (OAuth redirect URIs start with it). */
export function publicBaseUrl(env: { PUBLIC_BASE_URL?: string; PORT: number }): string {
  return env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.PORT}`;
}

export const MIN_ADMIN_KEY_LENGTH = 32;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse an environment (default: `process.env`). Throws `ConfigError` naming each bad variable. A Temporal profile
 * named by TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE is read here and folded in (src/config/temporal.ts), and
 * GOOGLE_CLOUD_PROJECT stands in for an unset GCLOUD_PROJECT.
 */
export function loadConfig(original: NodeJS.ProcessEnv = process.env): Env {
  let source: NodeJS.ProcessEnv;
  try {
    source = { ...withTemporalProfile(original) };
  } catch (err) {
    if (err instanceof TemporalConfigError) throw new ConfigError([err.message]);
    throw err;
  }
  const project = googleCloudProject(source);
  if (project) source.GCLOUD_PROJECT = project;
  const result = EnvSchema.safeParse(source);
  if (result.success) {
    const temporalProblems = temporalSettingsProblems(result.data);
    if (temporalProblems.length > 0) throw new ConfigError(temporalProblems);
    // A short admin key can be guessed online; production refuses it (finding 7 of issue 14).
    const key = result.data.ADMIN_API_KEY;
    if (result.data.NODE_ENV === 'production' && key !== undefined && key.length < MIN_ADMIN_KEY_LENGTH)
      throw new ConfigError([
        `ADMIN_API_KEY: must be at least ${MIN_ADMIN_KEY_LENGTH} characters when NODE_ENV=production`,
      ]);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const expected = issue.message;
    const shown = SECRET_VARIABLES.has(name) || source[name] === undefined ? '' : ` (got "${source[name]}")`;
    return `${name}: ${expected}${shown}`;
  });
  throw new ConfigError(problems);
}
