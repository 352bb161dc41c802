/**
 * One pino root logger; modules take a child (`logger.child({ module: 'sync' })`). Redaction covers every place
 * a secret can sit in what we log: tokens, client secrets, Authorization headers, OAuth codes and PKCE verifiers.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'client_secret',
  'clientSecret',
  'code',
  'code_verifier',
  'codeVerifier',
  'token',
  'tokens',
  'password',
  'secret',
  'appsecret_proof',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'Access-Token',
];

/** Paths pino redacts: the key at top level, one and two levels down, and inside request/response headers. */
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  ...SECRET_KEYS.map((k) => `req.headers.${k.toLowerCase()}`),
  ...SECRET_KEYS.map((k) => `*.headers.${k.toLowerCase()}`),
  ...SECRET_KEYS.map((k) => `*.*.headers.${k.toLowerCase()}`),
  'req.headers["x-hub-signature-256"]',
].filter((p, i, all) => all.indexOf(p) === i && !/[^A-Za-z0-9_.*[\]"-]/.test(p));

/** Query-string parameters whose values are replaced in URLs before they are logged. */
const SECRET_QUERY =
  /([?&](?:access_token|client_secret|code|code_verifier|refresh_token|appsecret_proof)=)[^&#\s"]*/g;

/** Mask secret query parameters in a URL (for log lines that carry request URLs). */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[Redacted]');
}

export function createLogger(options: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { service: 'socialsync' },
      ...options,
    },
    destination,
  );
}

/** A logger that writes nothing, for code paths that accept an optional logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
