/**
 * Authorization codes and access tokens of the Instagram sandbox, all on the sandbox clock.
 * Instagram has no refresh token: a long-lived access token refreshes itself. The sandbox rotates on refresh
 * (the refreshed token replaces the old one, which then fails with 190/467), so clients must keep the newest.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import { DAY_MS, HOUR_MS } from './world';
import { metaErrors, MetaError, OAuthCodeError } from './meta-errors';

/**
 * Lifetimes: code 1 h, short-lived token 1 h, long-lived 60 days, refresh only after 24 h.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
 * https://developers.facebook.com/documentation/instagram-platform/reference/access_token
 * https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token
 */
export const CODE_LIFETIME_MS = HOUR_MS;
export const SHORT_LIVED_MS = HOUR_MS;
/** What the platform answers as `expires_in` for a long-lived token (60 days minus a little). */
export const LONG_LIVED_EXPIRES_IN = 5_183_944;
export const MIN_REFRESH_AGE_MS = DAY_MS;

export interface TokenRecord {
  token: string;
  accountId: string;
  kind: 'short' | 'long';
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  superseded: boolean;
  /** Consent generation the token belongs to. */
  consent: number;
}

interface CodeRecord {
  accountId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export class InstagramAuth {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  /** Account → consent generation; withdrawing consent bumps it and kills older tokens (190/458). */
  private readonly consent = new Map<string, number>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly appId: string,
  ) {}

  issueCode(req: { accountId: string; clientId: string; redirectUri: string; scopes: string[] }): string {
    const code = `AQ${randomBytes(96).toString('base64url')}`;
    this.codes.set(code, { ...req, expiresAt: this.clock.now() + CODE_LIFETIME_MS, used: false });
    return code;
  }

  /** Single use, 1 h, bound to the client and redirect_uri of the authorize request. */
  redeemCode(req: { code: string; clientId: string; redirectUri: string }): TokenRecord {
    const record = this.codes.get(req.code);
    if (!record || record.clientId !== req.clientId) throw new OAuthCodeError('Invalid authorization code');
    if (record.used) throw new OAuthCodeError('This authorization code has been used');
    if (record.expiresAt <= this.clock.now()) throw new OAuthCodeError('This authorization code has expired');
    if (record.redirectUri !== req.redirectUri) {
      throw new OAuthCodeError(
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      );
    }
    record.used = true;
    return this.issue(record.accountId, 'short', record.scopes, SHORT_LIVED_MS);
  }

  private issue(
    accountId: string,
    kind: 'short' | 'long',
    scopes: string[],
    lifetimeMs: number,
  ): TokenRecord {
    const now = this.clock.now();
    const record: TokenRecord = {
      token: `IGAA${randomBytes(90).toString('base64url')}`,
      accountId,
      kind,
      scopes,
      issuedAt: now,
      expiresAt: now + lifetimeMs,
      superseded: false,
      consent: this.consent.get(accountId) ?? 0,
    };
    this.tokens.set(record.token, record);
    return record;
  }

  /** The record behind a usable token, or the Graph error the platform answers for it. */
  check(token: string | undefined): TokenRecord {
    if (!token) throw metaErrors.missingToken();
    const record = this.tokens.get(token);
    if (!record) throw metaErrors.invalidToken();
    if (record.consent < (this.consent.get(record.accountId) ?? 0)) throw metaErrors.appRemoved(this.appId);
    if (record.superseded) throw metaErrors.tokenSuperseded();
    const now = this.clock.now();
    if (record.expiresAt <= now) throw metaErrors.tokenExpired(record.expiresAt, now);
    return record;
  }

  exchange(shortToken: string): TokenRecord {
    const record = this.check(shortToken);
    if (record.kind !== 'short') throw metaErrors.badParam('The access token is already a long-lived token');
    return this.issue(record.accountId, 'long', record.scopes, LONG_LIVED_EXPIRES_IN * 1000);
  }

  refresh(longToken: string): TokenRecord {
    const record = this.check(longToken);
    if (record.kind !== 'long') throw metaErrors.badParam('Only long-lived access tokens can be refreshed');
    if (this.clock.now() - record.issuedAt < MIN_REFRESH_AGE_MS) {
      throw new MetaError({
        status: 400,
        code: 100,
        message: '(#100) The access token must be at least 24 hours old to be refreshed',
      });
    }
    record.superseded = true;
    return this.issue(record.accountId, 'long', record.scopes, LONG_LIVED_EXPIRES_IN * 1000);
  }

  revokeConsent(accountId: string): void {
    this.consent.set(accountId, (this.consent.get(accountId) ?? 0) + 1);
  }

  expireTokens(accountId: string): number {
    const now = this.clock.now();
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.accountId === accountId && t.expiresAt > now) {
        t.expiresAt = now;
        n += 1;
      }
    }
    return n;
  }
}
