/**
 * How socialsync reaches Temporal: one place for the client (`Connection.connect`) and every worker
 * (`NativeConnection.connect`), built with `@temporalio/envconfig` so the variables and TOML profiles mean exactly
 * what they mean to the Temporal CLI and the other SDKs (docs/deploy.md).
 *
 * - The environment alone: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS` and the
 *   `TEMPORAL_TLS_*` certificate variables.
 * - A TOML profile: `TEMPORAL_CONFIG_FILE` (the file) and/or `TEMPORAL_PROFILE` (its `[profile.<name>]`, default
 *   `default`); a variable that is set wins over the profile's field. The file is read only when one of the two is
 *   set: a developer's own `~/.config/temporalio/temporal.toml` (written by `temporal config set`) must not turn
 *   `npm start` into a client of their Temporal Cloud account.
 *
 * `loadConfig` (src/config/index.ts) folds the profile into the parsed environment, so `TEMPORAL_ADDRESS` is set
 * whenever Temporal is configured by either means; `temporalConnectConfig` turns that into connection options.
 */
import fs from 'node:fs';
import { loadClientConfigProfile, loadClientConnectConfig } from '@temporalio/envconfig';
import type { ConfigDataSource } from '@temporalio/envconfig';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';

/** The Temporal variables socialsync reads (the names `@temporalio/envconfig` defines). */
export const TEMPORAL_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
] as const;

export type TemporalVariable = (typeof TEMPORAL_VARIABLES)[number];

/** The Temporal part of the parsed environment (`Env` has these fields; blank values are already undefined). */
export type TemporalSettings = { TEMPORAL_NAMESPACE: string } & Partial<
  Record<Exclude<TemporalVariable, 'TEMPORAL_NAMESPACE'>, string>
>;

/** A Temporal setting that cannot be used, naming the variable (collected into a ConfigError by loadConfig). */
export class TemporalConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'TemporalConfigError';
  }
}

type RawEnv = Record<string, string | undefined>;

const present = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};

/** True when the environment asks for a TOML profile (the file is read only then). */
export function temporalProfileRequested(source: RawEnv): boolean {
  return Boolean(present(source.TEMPORAL_CONFIG_FILE) || present(source.TEMPORAL_PROFILE));
}

function sourceValue(source: ConfigDataSource | undefined): { path?: string; data?: string } {
  if (!source) return {};
  if ('path' in source) return { path: source.path };
  return { data: typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8') };
}

/**
 * The profile's fields as the variables that mean the same, for the ones the environment leaves unset
 * (envconfig's rule: a variable overrides the profile's field). Without `TEMPORAL_CONFIG_FILE` or
 * `TEMPORAL_PROFILE` the environment comes back unchanged. Throws `TemporalConfigError` for a missing file, an
 * unknown profile or a malformed TOML file (unknown keys included, to catch `api-key` for `api_key`).
 */
export function withTemporalProfile(source: RawEnv): RawEnv {
  if (!temporalProfileRequested(source)) return source;
  const file = present(source.TEMPORAL_CONFIG_FILE);
  const profileName = present(source.TEMPORAL_PROFILE);
  if (file && !fs.existsSync(file))
    throw new TemporalConfigError('TEMPORAL_CONFIG_FILE', `no such file: ${file}`);
  let profile;
  try {
    profile = loadClientConfigProfile({
      profile: profileName,
      configSource: file ? { path: file } : undefined,
      disableEnv: true,
      configFileStrict: true,
      // Locates the default file (XDG_CONFIG_HOME or HOME) when only TEMPORAL_PROFILE is set.
      overrideEnvVars: definedOnly(source),
    });
  } catch (err) {
    const variable =
      profileName && /Profile '.*' not found/.test((err as Error).message)
        ? 'TEMPORAL_PROFILE'
        : 'TEMPORAL_CONFIG_FILE';
    throw new TemporalConfigError(variable, (err as Error).message);
  }
  const fromProfile: Partial<Record<TemporalVariable, string>> = {
    TEMPORAL_ADDRESS: profile.address,
    TEMPORAL_NAMESPACE: profile.namespace,
    TEMPORAL_API_KEY: profile.apiKey,
  };
  if (profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0)
    throw new TemporalConfigError('TEMPORAL_CONFIG_FILE', 'grpc_meta is not supported by socialsync');
  if (profile.tls) {
    const ca = sourceValue(profile.tls.serverCACert);
    const cert = sourceValue(profile.tls.clientCert);
    const key = sourceValue(profile.tls.clientKey);
    Object.assign(fromProfile, {
      TEMPORAL_TLS: profile.tls.disabled === true ? 'false' : 'true',
      TEMPORAL_TLS_SERVER_NAME: profile.tls.serverName,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.path,
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: ca.data,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert.path,
      TEMPORAL_TLS_CLIENT_CERT_DATA: cert.data,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key.path,
      TEMPORAL_TLS_CLIENT_KEY_DATA: key.data,
    });
  }
  const merged: RawEnv = { ...source };
  for (const [name, value] of Object.entries(fromProfile)) {
    if (value !== undefined && present(source[name]) === undefined) merged[name] = value;
  }
  return merged;
}

function definedOnly(source: RawEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source))
    if (value !== undefined && value !== '') out[name] = value;
  return out;
}

/**
 * Problems of the TLS settings that would only show when connecting: a path and inline data for the same item, a
 * client certificate without its key, files that do not exist, a TEMPORAL_TLS that is not a boolean.
 */
export function temporalSettingsProblems(settings: Partial<Record<TemporalVariable, string>>): string[] {
  const problems: string[] = [];
  const tls = settings.TEMPORAL_TLS;
  if (tls !== undefined && !['true', 'false', '1', '0'].includes(tls))
    problems.push(`TEMPORAL_TLS: expected true or false (got "${tls}")`);
  for (const item of ['SERVER_CA_CERT', 'CLIENT_CERT', 'CLIENT_KEY'] as const) {
    const pathVar = `TEMPORAL_TLS_${item}_PATH` as const;
    const dataVar = `TEMPORAL_TLS_${item}_DATA` as const;
    const file = settings[pathVar];
    if (file !== undefined && settings[dataVar] !== undefined)
      problems.push(`${pathVar}: set either ${pathVar} or ${dataVar}, not both`);
    else if (file !== undefined && !fs.existsSync(file)) problems.push(`${pathVar}: no such file: ${file}`);
  }
  const hasCert = Boolean(settings.TEMPORAL_TLS_CLIENT_CERT_PATH ?? settings.TEMPORAL_TLS_CLIENT_CERT_DATA);
  const hasKey = Boolean(settings.TEMPORAL_TLS_CLIENT_KEY_PATH ?? settings.TEMPORAL_TLS_CLIENT_KEY_DATA);
  if (hasCert !== hasKey)
    problems.push(
      hasCert
        ? 'TEMPORAL_TLS_CLIENT_KEY_PATH: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA)'
        : 'TEMPORAL_TLS_CLIENT_CERT_PATH: a client key needs its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA)',
    );
  return problems;
}

/**
 * The Temporal settings alone from a raw environment (profile folded in, blanks dropped, namespace defaulted), for
 * tools such as the CLI that must not fail on unrelated variables. Throws `TemporalConfigError` for a bad profile
 * or TLS setting.
 */
export function temporalSettingsFromEnv(source: RawEnv): TemporalSettings {
  const merged = withTemporalProfile(source);
  const settings: Partial<Record<TemporalVariable, string>> = {};
  for (const name of TEMPORAL_VARIABLES) {
    const v = present(merged[name]);
    if (v !== undefined) settings[name] = v;
  }
  const [problem] = temporalSettingsProblems(settings);
  if (problem) {
    const sep = problem.indexOf(': ');
    throw new TemporalConfigError(problem.slice(0, sep), problem.slice(sep + 2));
  }
  return { ...settings, TEMPORAL_NAMESPACE: settings.TEMPORAL_NAMESPACE ?? 'default' };
}

export interface TemporalConnectConfig {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** For `Connection.connect` of `@temporalio/client`. */
  client: ConnectionOptions;
  /** For `NativeConnection.connect` of `@temporalio/worker`. */
  worker: NativeConnectionOptions;
  /** What is used, without secrets: `host:port namespace ns (TLS, API key)`, for banners and logs. */
  description: string;
}

/**
 * Connection options and namespace for the client and the workers, from the parsed environment (profile already
 * folded in by loadConfig). Throws when no address is configured; `what` names the caller in that message.
 */
export function temporalConnectConfig(
  settings: TemporalSettings,
  what = 'socialsync',
): TemporalConnectConfig {
  const address = settings.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      `${what} needs TEMPORAL_ADDRESS (or TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE naming a profile with an address)`,
    );
  const vars: Record<string, string> = {};
  for (const name of TEMPORAL_VARIABLES) {
    const value = settings[name];
    // The file is already folded in; envconfig reads variables only.
    if (value !== undefined && name !== 'TEMPORAL_PROFILE' && name !== 'TEMPORAL_CONFIG_FILE')
      vars[name] = value;
  }
  let connect;
  try {
    connect = loadClientConnectConfig({ disableFile: true, overrideEnvVars: vars });
  } catch (err) {
    // A certificate file that went away between loadConfig and now; never echo inline key data.
    throw new Error(`Temporal TLS settings: ${(err as Error).message}`, { cause: err });
  }
  const { connectionOptions } = connect;
  const namespace = connect.namespace ?? settings.TEMPORAL_NAMESPACE;
  const tlsOption = connectionOptions.tls;
  const tls = tlsOption !== undefined && tlsOption !== null && tlsOption !== false;
  const traits = [
    tls ? (typeof tlsOption === 'object' && tlsOption?.clientCertPair ? 'mTLS' : 'TLS') : '',
    connectionOptions.apiKey ? 'API key' : '',
  ].filter(Boolean);
  const worker: NativeConnectionOptions = { ...connectionOptions, address };
  const client: ConnectionOptions = {
    address,
    tls: connectionOptions.tls,
    apiKey: connectionOptions.apiKey,
    metadata: connectionOptions.metadata,
  };
  return {
    address,
    namespace,
    client,
    worker,
    description: `${address} namespace ${namespace}${traits.length ? ` (${traits.join(', ')})` : ''}`,
  };
}
