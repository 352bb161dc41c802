/**
 * One pino root logger; modules take a child (`logger.child({ module: 'sync' })`).
 *
 * Redaction (finding 9 of issue 14) walks every object logged, at any depth, before it is written:
 * - a key naming a secret (tokens, client secrets, passwords, Authorization / Cookie headers, signatures) is
 *   replaced by `[Redacted]` wherever it sits;
 * - `code` is a secret only where it is an OAuth authorization code: under a request's `query`, `body`, `params` or
 *   `form`, or an `exchange`/`callback`/`oauth` object. Everywhere else (`err.code`, `ECONNRESET`, gRPC codes) it
 *   is kept, because ops need it;
 * - an Error becomes `{type, message, code, status, stack}` plus the classified fields of a PlatformError. Its
 *   `cause` is reduced to the same shape, and HTTP-client internals (`config`, `request`, `response`, headers —
 *   where Axios keeps the request's body with refresh tokens and client secrets) are never copied.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'client_secret',
  'clientSecret',
  'code_verifier',
  'codeVerifier',
  'token',
  'tokens',
  'password',
  'secret',
  'appsecret_proof',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'access-token',
  'x-hub-signature-256',
  'x-hub-signature',
  'x-twitter-webhooks-signature',
  'tiktok-signature',
  'hub.verify_token',
  'crc_token',
  'nonce',
  'apiKey',
  'adminApiKey',
  'ADMIN_API_KEY',
  'TOKEN_ENCRYPTION_KEYS',
];

const SECRET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

/** Parents under which `code` is an OAuth authorization code (a secret), not an error code. */
const OAUTH_CODE_PARENTS = new Set(['query', 'body', 'params', 'form', 'exchange', 'callback', 'oauth']);

/** Properties of errors that are never logged: Axios keeps the whole request (tokens in body and headers) there. */
const ERROR_INTERNALS = new Set(['config', 'request', 'response', 'headers', 'cause', 'errors']);

/** Fields of an error worth logging (PlatformError's classification included); everything else is dropped. */
const ERROR_FIELDS = ['code', 'status', 'kind', 'platform', 'endpoint', 'platformCode', 'retryAt'] as const;

const CENSOR = '[Redacted]';
const MAX_DEPTH = 10;

/** Kept for callers that configure pino's own path redaction (e.g. other loggers of the process). */
export const REDACT_PATHS = [
  ...SECRET_KEYS.filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)),
  'req.headers.authorization',
  'req.headers.cookie',
];

/** An error as logged: what it is and why, never what it carried. */
export function safeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  const fields = err as unknown as Record<string, unknown>;
  for (const field of ERROR_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = value;
  }
  if (typeof err.stack === 'string') out.stack = err.stack;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && depth < 3) out.cause = safeError(cause, depth + 1);
  else if (typeof cause === 'string') out.cause = cause.slice(0, 200);
  return out;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy of `value` with secrets replaced; class instances other than errors are left to pino's serializers. */
export function redactDeep(value: unknown, parent = '', depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return safeError(value);
  if (depth >= MAX_DEPTH || seen.has(value)) return '[Truncated]';
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((v) => redactDeep(v, parent, depth + 1, seen));
  }
  if (!isPlain(value)) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (SECRET.has(lower) || (lower === 'code' && OAUTH_CODE_PARENTS.has(parent.toLowerCase()))) {
      out[key] = v === undefined ? v : CENSOR;
    } else if (ERROR_INTERNALS.has(lower) && isErrorLike(value)) {
      continue;
    } else {
      out[key] = redactDeep(v, key, depth + 1, seen);
    }
  }
  return out;
}

/** A plain object that looks like a serialized HTTP-client error (has both a message and request internals). */
function isErrorLike(value: object): boolean {
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && ('config' in v || 'request' in v || 'response' in v);
}

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
      base: { service: 'socialsync' },
      ...options,
      formatters: {
        ...options.formatters,
        log: (object) =>
          redactDeep(options.formatters?.log ? options.formatters.log(object) : object) as Record<
            string,
            unknown
          >,
      },
      serializers: {
        err: (err: unknown) => (err instanceof Error ? safeError(err) : redactDeep(err)),
        ...options.serializers,
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for code paths that accept an optional logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
