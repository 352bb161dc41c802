/**
 * Who may use the dashboard: whoever knows ADMIN_API_KEY. The login form checks the key once and issues a session
 * cookie (finding 10 of issue 14):
 * - each login gets its own value `{issuedAt}.{random id}.{HMAC(key, issuedAt.id)}`: never the key, different for
 *   every login, useless for the management API, and void as soon as the key is rotated;
 * - it expires: `Max-Age` on the cookie and the signed issue time checked on every request (default 8 h);
 * - logout revokes it: its id is remembered as revoked until it would have expired anyway (bounded memory);
 * - `__Host-` prefix (Secure, Path=/, no Domain) when served over https, so no sibling subdomain can plant or
 *   overwrite it; HttpOnly; SameSite=Strict keeps other sites from submitting the dashboard's forms with it (CSRF).
 * What remains: revocation lives in this process; with several replicas a logged-out cookie stays valid on the
 * others until it expires (docs/security.md).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { parseCookies } from '../cookies';
import { secretsEqual } from '../auth';

export const SESSION_COOKIE = 'socialsync_dashboard';
/** The name over https: the browser enforces Secure, Path=/ and no Domain for it. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
/** Most revoked sessions remembered at once; beyond that the oldest revocations are dropped (bounded memory). */
const MAX_REVOKED = 10_000;

const SESSION_LABEL = 'socialsync-dashboard-session-v2';

export { parseCookies } from '../cookies';

export interface DashboardSessionsOptions {
  adminApiKey: string | undefined;
  /** Served over https: `__Host-` name and `Secure`. */
  secure: boolean;
  ttlMs?: number;
  now?: () => number;
}

export interface DashboardSessions {
  readonly cookieName: string;
  /** A `Set-Cookie` value for a fresh session (call only after the key was checked). */
  issue(): string;
  /** Whether the request's `Cookie` header carries a valid, unexpired, not revoked session. */
  valid(cookieHeader: string | undefined): boolean;
  /** Revokes the session of this `Cookie` header (if any) and returns the `Set-Cookie` value that clears it. */
  revoke(cookieHeader: string | undefined): string;
}

export function dashboardSessions(opts: DashboardSessionsOptions): DashboardSessions {
  const ttlMs = opts.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const now = opts.now ?? Date.now;
  const cookieName = opts.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  // __Host- requires Path=/; without it the cookie stays scoped to the dashboard.
  const scope = opts.secure ? 'Path=/; Secure' : 'Path=/ui';
  /** Revoked id → when it expires anyway (Map keeps insertion order: oldest first). */
  const revoked = new Map<string, number>();

  const sign = (key: string, payload: string) =>
    createHmac('sha256', key).update(`${SESSION_LABEL}:${payload}`).digest('base64url');

  const parse = (header: string | undefined): { id: string; issuedAt: number } | undefined => {
    const key = opts.adminApiKey;
    const value = parseCookies(header).get(cookieName);
    if (!key || !value) return undefined;
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{22,64})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return undefined;
    const [, issued, id, mac] = match as unknown as [string, string, string, string];
    if (!secretsEqual(mac, sign(key, `${issued}.${id}`))) return undefined;
    const issuedAt = Number(issued);
    const age = now() - issuedAt;
    if (age < 0 || age >= ttlMs) return undefined;
    return { id, issuedAt };
  };

  const sweep = () => {
    const t = now();
    for (const [id, until] of revoked) if (until <= t) revoked.delete(id);
    while (revoked.size > MAX_REVOKED) revoked.delete(revoked.keys().next().value!);
  };

  return {
    cookieName,
    issue() {
      if (!opts.adminApiKey) throw new Error('no admin key: the dashboard cannot issue sessions');
      const issued = String(now());
      const id = randomBytes(18).toString('base64url');
      const value = `${issued}.${id}.${sign(opts.adminApiKey, `${issued}.${id}`)}`;
      return `${cookieName}=${value}; ${scope}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(ttlMs / 1000)}`;
    },
    valid(header) {
      const session = parse(header);
      return session !== undefined && !revoked.has(session.id);
    },
    revoke(header) {
      const session = parse(header);
      if (session) {
        revoked.set(session.id, session.issuedAt + ttlMs);
        sweep();
      }
      return `${cookieName}=; ${scope}; HttpOnly; SameSite=Strict; Max-Age=0`;
    },
  };
}
