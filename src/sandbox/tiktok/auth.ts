/**
 * Login Kit state of the sandbox: authorization codes, grants (one per consent), access and refresh tokens,
 * all timed on the sandbox clock with TikTok's lifetimes.
 */
import { createHash } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import { secret } from '../core/random';
import { ACCESS_TTL_S, CODE_TTL_MS, REFRESH_TTL_S } from './facts';

export interface AuthCode {
  code: string;
  openId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge?: string;
  expiresAt: number;
  used: boolean;
}

/** One user's consent to the app. Revoking it kills every token issued under it. */
export interface Grant {
  id: number;
  openId: string;
  scopes: string[];
  /** Refresh tokens live 365 days from the first issuance, however often they rotate. */
  refreshExpiresAt: number;
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

interface RefreshToken {
  grant: Grant;
  /** Rotated away: TikTok may hand out a new refresh token on refresh, after which the old one is dead. */
  used: boolean;
}

export interface IssuedTokens {
  open_id: string;
  scope: string;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  token_type: 'Bearer';
}

export type TokenCheck =
  { ok: true; openId: string; scopes: string[] } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** PKCE: TikTok's encoding is unconfirmed, so both the RFC base64url and the hex SHA-256 challenge pass. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const digest = createHash('sha256').update(verifier).digest();
  return challenge === digest.toString('base64url') || challenge.toLowerCase() === digest.toString('hex');
}

export class AuthStore {
  private readonly codes = new Map<string, AuthCode>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly grants: Grant[] = [];

  /** Codes and tokens come from `secret` (cryptographic), never from the world's seed. */
  constructor(private readonly clock: SandboxClock) {}

  issueCode(input: Omit<AuthCode, 'code' | 'expiresAt' | 'used'>): AuthCode {
    // Real codes carry `*` and `!`, which break clients that forget to URL-decode the callback.
    const code = `${secret.hex(40)}*0!${secret.digits(4)}.va`;
    const record: AuthCode = { ...input, code, expiresAt: this.clock.now() + CODE_TTL_MS, used: false };
    this.codes.set(code, record);
    return record;
  }

  /** The code if it can be exchanged now; marks it used (single use even when the exchange then fails). */
  takeCode(code: string): AuthCode | 'unknown' | 'used' | 'expired' {
    const record = this.codes.get(code);
    if (!record) return 'unknown';
    if (record.used) return 'used';
    record.used = true;
    if (record.expiresAt <= this.clock.now()) return 'expired';
    return record;
  }

  newGrant(openId: string, scopes: string[]): IssuedTokens {
    const grant: Grant = {
      id: this.grants.length + 1,
      openId,
      scopes,
      refreshExpiresAt: this.clock.now() + REFRESH_TTL_S * 1000,
      revoked: false,
    };
    this.grants.push(grant);
    return this.issue(grant);
  }

  private issue(grant: Grant): IssuedTokens {
    const accessToken = `act.${secret.hex(64)}!${secret.digits(4)}.va`;
    const refreshToken = `rft.${secret.hex(64)}!${secret.digits(4)}.va`;
    this.access.set(accessToken, { grant, expiresAt: this.clock.now() + ACCESS_TTL_S * 1000 });
    this.refresh.set(refreshToken, { grant, used: false });
    return {
      open_id: grant.openId,
      scope: grant.scopes.join(','),
      access_token: accessToken,
      expires_in: ACCESS_TTL_S,
      refresh_token: refreshToken,
      // Whole seconds left, rounded up: a grant issued a millisecond ago still reports the full 31536000 s.
      refresh_expires_in: Math.max(0, Math.ceil((grant.refreshExpiresAt - this.clock.now()) / 1000)),
      token_type: 'Bearer',
    };
  }

  /** Rotates: the old refresh token stops working; the access tokens already issued stay valid until they expire. */
  refreshTokens(refreshToken: string): IssuedTokens | 'invalid' {
    const record = this.refresh.get(refreshToken);
    if (!record || record.used || record.grant.revoked || record.grant.refreshExpiresAt <= this.clock.now()) {
      return 'invalid';
    }
    record.used = true;
    return this.issue(record.grant);
  }

  checkAccess(token: string): TokenCheck {
    const record = this.access.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.grant.revoked) return { ok: false, reason: 'revoked' };
    if (record.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, openId: record.grant.openId, scopes: record.grant.scopes };
  }

  /** Revoke by access token (the app's `/v2/oauth/revoke/`). */
  revokeByAccessToken(token: string): boolean {
    const record = this.access.get(token);
    if (!record || record.grant.revoked) return false;
    record.grant.revoked = true;
    return true;
  }

  /** The user removed the app: every grant of the account dies. Returns how many were live. */
  revokeAccount(openId: string): number {
    let live = 0;
    for (const grant of this.grants) {
      if (grant.openId === openId && !grant.revoked) {
        grant.revoked = true;
        live += 1;
      }
    }
    return live;
  }

  /** Ends every access token of the account now (refresh tokens still work). */
  expireAccessTokens(openId: string): number {
    let n = 0;
    const now = this.clock.now();
    for (const record of this.access.values()) {
      if (record.grant.openId === openId && record.expiresAt > now) {
        record.expiresAt = now;
        n += 1;
      }
    }
    return n;
  }
}
