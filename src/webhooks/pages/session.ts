/**
 * Who may use the dashboard: whoever knows ADMIN_API_KEY. The login form checks the key once and sets an HttpOnly,
 * SameSite=Strict cookie holding an HMAC derived from the key (never the key itself), so the cookie is useless
 * for the management API and stops working as soon as the key is rotated. SameSite=Strict keeps other sites from
 * submitting the dashboard's forms with it (CSRF).
 */
import { createHmac } from 'node:crypto';
import { secretsEqual } from '../auth';

export const SESSION_COOKIE = 'socialsync_dashboard';

const SESSION_LABEL = 'socialsync-dashboard-session-v1';

export function sessionValue(adminApiKey: string): string {
  return createHmac('sha256', adminApiKey).update(SESSION_LABEL).digest('base64url');
}

/** Cookie values by name from a `Cookie` header (no decoding beyond what our own values need). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export function hasSession(cookieHeader: string | undefined, adminApiKey: string | undefined): boolean {
  if (!adminApiKey) return false;
  const given = parseCookies(cookieHeader).get(SESSION_COOKIE);
  return given !== undefined && secretsEqual(given, sessionValue(adminApiKey));
}

export function sessionCookie(opts: { adminApiKey: string; secure: boolean }): string {
  const attrs = [
    `${SESSION_COOKIE}=${sessionValue(opts.adminApiKey)}`,
    'Path=/ui',
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (opts.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`;
}
