/**
 * OAuth 2.0 state of the sandbox's one X app: authorization codes, access and refresh tokens, on the sandbox
 * clock. Codes live 30 s and are single use; access tokens live 2 h; refresh tokens rotate (a used one is dead).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxClock } from '../core/clock';

export const CODE_LIFETIME_MS = 30_000;
export const ACCESS_LIFETIME_MS = 7_200_000;

export interface AuthCode {
  code: string;
  accountId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge: string;
  challengeMethod: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  accountId: string;
  clientId: string;
  scopes: string[];
  accessToken: string;
  accessExpiresAt: number;
  refreshToken?: string;
  revoked: boolean;
}

/** X tokens are opaque base64-ish strings of ~90 characters. */
function token(): string {
  return randomBytes(66).toString('base64url');
}

export class GrantStore {
  private readonly codes = new Map<string, AuthCode>();
  private readonly byAccess = new Map<string, Grant>();
  private readonly byRefresh = new Map<string, Grant>();

  constructor(private readonly clock: SandboxClock) {}

  issueCode(req: Omit<AuthCode, 'code' | 'expiresAt' | 'used'>): string {
    const code = randomBytes(48).toString('base64url');
    this.codes.set(code, { ...req, code, expiresAt: this.clock.now() + CODE_LIFETIME_MS, used: false });
    return code;
  }

  /** The code if it is known, unused and unexpired; marks it used either way (a replayed code is burned). */
  redeemCode(code: string): AuthCode | undefined {
    const found = this.codes.get(code);
    if (!found) return undefined;
    const ok = !found.used && found.expiresAt > this.clock.now();
    found.used = true;
    return ok ? found : undefined;
  }

  issue(req: { accountId: string; clientId: string; scopes: string[] }): Grant {
    const grant: Grant = {
      ...req,
      accessToken: token(),
      accessExpiresAt: this.clock.now() + ACCESS_LIFETIME_MS,
      refreshToken: req.scopes.includes('offline.access') ? token() : undefined,
      revoked: false,
    };
    this.byAccess.set(grant.accessToken, grant);
    if (grant.refreshToken) this.byRefresh.set(grant.refreshToken, grant);
    return grant;
  }

  /** Rotation: the old refresh token stops working, the new grant carries a new pair. */
  refresh(refreshToken: string, clientId: string): Grant | undefined {
    const grant = this.byRefresh.get(refreshToken);
    if (!grant || grant.revoked || grant.clientId !== clientId) return undefined;
    this.byRefresh.delete(refreshToken);
    grant.revoked = true;
    // The previous access token stays valid until it expires, as on X; only the refresh token is single use.
    this.byAccess.set(grant.accessToken, { ...grant, revoked: false, refreshToken: undefined });
    return this.issue({ accountId: grant.accountId, clientId: grant.clientId, scopes: grant.scopes });
  }

  /** The live grant behind an access token, or why there is none. */
  authenticate(accessToken: string): { grant?: Grant; problem?: 'unknown' | 'expired' | 'revoked' } {
    const grant = this.byAccess.get(accessToken);
    if (!grant) return { problem: 'unknown' };
    if (grant.revoked) return { problem: 'revoked' };
    if (grant.accessExpiresAt <= this.clock.now()) return { problem: 'expired' };
    return { grant };
  }

  /** Revokes the grant an access or refresh token belongs to (both tokens stop working). */
  revokeToken(tokenValue: string): boolean {
    const grant = this.byAccess.get(tokenValue) ?? this.byRefresh.get(tokenValue);
    if (!grant) return false;
    this.revokeGrant(grant);
    return true;
  }

  /** The user removed the app: every token of the account dies. */
  revokeAccount(accountId: string): number {
    let count = 0;
    for (const grant of new Set([...this.byAccess.values(), ...this.byRefresh.values()])) {
      if (grant.accountId === accountId && !grant.revoked) {
        this.revokeGrant(grant);
        count += 1;
      }
    }
    return count;
  }

  /** Ends the life of every access token of the account now (refresh tokens keep working). */
  expireAccessTokens(accountId: string): number {
    let count = 0;
    for (const grant of this.byAccess.values()) {
      if (grant.accountId === accountId && grant.accessExpiresAt > this.clock.now()) {
        grant.accessExpiresAt = this.clock.now();
        count += 1;
      }
    }
    return count;
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    const viaAccess = this.byAccess.get(grant.accessToken);
    if (viaAccess) viaAccess.revoked = true;
    if (grant.refreshToken) this.byRefresh.delete(grant.refreshToken);
  }
}

/** RFC 7636: S256 compares base64url(SHA-256(verifier)); plain compares the verifier itself. */
export function pkceMatches(
  code: Pick<AuthCode, 'challenge' | 'challengeMethod'>,
  verifier: string,
): boolean {
  if (code.challengeMethod === 'plain') return verifier === code.challenge;
  return createHash('sha256').update(verifier).digest('base64url') === code.challenge;
}
