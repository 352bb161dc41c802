/**
 * Where the CLI finds the running socialsync: flags first, then the environment (the same variables the service
 * reads), then `<dataDir>/runtime.json` written by a running `npm start`. Also the CLI's error types and exit codes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  DEFAULT_PORT,
  TemporalConfigError,
  temporalConnectConfig,
  temporalSettingsFromEnv,
  type TemporalConnectConfig,
} from '../config';
import { PlatformId } from '../platforms/types';
import { ServiceApi } from './api';
import { ADMIN_KEY_FILE, readRuntime, resolveDataDir, type RuntimeInfo } from './data-dir';

export const EXIT = {
  ok: 0,
  /** The operation failed (refused by the service, not found, sync failed). */
  failed: 1,
  /** Bad arguments or missing configuration. */
  usage: 2,
  /** The service, Temporal or a sandbox could not be reached. */
  unreachable: 3,
} as const;

/** An error whose message is meant for the user, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface GlobalOptions {
  url?: string;
  dataDir?: string;
  json?: boolean;
}

export interface CliContext {
  dataDir: string;
  runtime: RuntimeInfo | undefined;
  env: NodeJS.ProcessEnv;
  json: boolean;
  out(line: string): void;
  err(line: string): void;
  api(opts?: { timeoutMs?: number }): ServiceApi;
  /**
   * Where Temporal is: the environment or its TOML profile (TEMPORAL_ADDRESS, TEMPORAL_CONFIG_FILE,
   * TEMPORAL_PROFILE, TLS, API key — src/config/temporal.ts), else the running instance's server.
   */
  temporalTarget(): TemporalConnectConfig;
  /** A Temporal client on `temporalTarget()`; closed by `close()`. */
  temporal(): Promise<Client>;
  sandboxUrl(platform: PlatformId, given?: string): string;
  close(): Promise<void>;
}

export function parsePlatform(raw: string): PlatformId {
  const parsed = PlatformId.safeParse(raw);
  if (!parsed.success)
    throw new CliError(`unknown platform "${raw}" (expected instagram, twitter or tiktok)`, EXIT.usage);
  return parsed.data;
}

export function createContext(opts: {
  global: GlobalOptions;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}): CliContext {
  const env = opts.env ?? process.env;
  const dataDir = opts.global.dataDir ? path.resolve(opts.global.dataDir) : resolveDataDir(env);
  const runtime = readRuntime(dataDir);
  let connection: Connection | undefined;

  const serviceUrl = (): string =>
    opts.global.url ??
    env.SOCIALSYNC_URL ??
    runtime?.serviceUrl ??
    env.PUBLIC_BASE_URL ??
    `http://127.0.0.1:${env.PORT || DEFAULT_PORT}`;

  const adminKey = (): string => {
    if (env.ADMIN_API_KEY?.trim()) return env.ADMIN_API_KEY.trim();
    const file = path.join(dataDir, ADMIN_KEY_FILE);
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
    throw new CliError(
      `no admin key: set ADMIN_API_KEY, or run where ${file} exists (npm start creates it)`,
      EXIT.usage,
    );
  };

  const temporalTarget = (): TemporalConnectConfig => {
    let settings;
    try {
      settings = temporalSettingsFromEnv(env);
    } catch (err) {
      if (err instanceof TemporalConfigError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
    if (!settings.TEMPORAL_ADDRESS && runtime) {
      settings = {
        ...settings,
        TEMPORAL_ADDRESS: runtime.temporal.address,
        TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE?.trim() || runtime.temporal.namespace,
      };
    }
    if (!settings.TEMPORAL_ADDRESS)
      throw new CliError(
        'no Temporal address: set TEMPORAL_ADDRESS (or TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE) or start socialsync with `npm start`',
        EXIT.usage,
      );
    return temporalConnectConfig(settings);
  };

  return {
    dataDir,
    runtime,
    env,
    json: Boolean(opts.global.json),
    out: opts.out ?? ((line) => process.stdout.write(`${line}\n`)),
    err: opts.err ?? ((line) => process.stderr.write(`${line}\n`)),
    api: (o = {}) =>
      new ServiceApi({ baseUrl: serviceUrl(), adminApiKey: adminKey(), timeoutMs: o.timeoutMs }),
    temporalTarget,
    async temporal() {
      const target = temporalTarget();
      try {
        connection ??= await Connection.connect({ ...target.client, connectTimeout: 5_000 });
      } catch (err) {
        throw new CliError(
          `cannot reach Temporal at ${target.address}: ${(err as Error).message}`,
          EXIT.unreachable,
        );
      }
      return new Client({ connection, namespace: target.namespace });
    },
    sandboxUrl(platform, given) {
      const url = given ?? runtime?.sandboxes[platform];
      if (!url) {
        throw new CliError(
          `no ${platform} sandbox is running here: pass --sandbox-url or start socialsync with \`npm start\``,
          EXIT.usage,
        );
      }
      return url.replace(/\/+$/, '');
    },
    async close() {
      await connection?.close();
    },
  };
}
