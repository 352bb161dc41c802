/**
 * X OAuth 2.0 Authorization Code with PKCE (S256, required) for a confidential client: HTTP Basic on the token
 * endpoint, 2-hour access tokens, rotating refresh tokens (a used one is dead), revocation.
 */
import { PlatformError } from '../errors';
import type { AuthorizeUrlRequest, CodeExchangeRequest, OAuthProvider, TokenSet } from '../types';
import type { TwitterClient } from './client';
import { TWITTER_SCOPES, type TokenResponse } from './schemas';

/** Refresh 10 minutes before the 2-hour expiry: room for a slow refresh and clock skew, little wasted life. */
export const REFRESH_MARGIN_MS = 10 * 60_000;

export interface TwitterOAuthOptions {
  clientId: string;
  authorizeUrl: string;
  client: TwitterClient;
  now: () => number;
  refreshMarginMs?: number;
}

export function tokenSetFrom(
  res: TokenResponse,
  opts: { accountId: string; now: number; previousRefresh?: string },
): TokenSet {
  const refreshToken = res.refresh_token ?? opts.previousRefresh;
  return {
    accessToken: res.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: opts.now + res.expires_in * 1000,
    scopes: res.scope.split(/\s+/).filter(Boolean),
    accountId: opts.accountId,
    issuedAt: opts.now,
  };
}

export class TwitterOAuth implements OAuthProvider {
  readonly pkce = 'S256' as const;
  readonly scopes = TWITTER_SCOPES;
  readonly refreshMarginMs: number;
  /** One refresh per refresh token at a time in this process: a second caller gets the same promise. */
  private readonly inFlight = new Map<string, Promise<TokenSet>>();

  constructor(private readonly opts: TwitterOAuthOptions) {
    this.refreshMarginMs = opts.refreshMarginMs ?? REFRESH_MARGIN_MS;
  }

  authorizeUrl(req: AuthorizeUrlRequest): string {
    if (!req.codeChallenge) throw new Error('X requires PKCE: codeChallenge is missing');
    const params: [string, string][] = [
      ['response_type', 'code'],
      ['client_id', this.opts.clientId],
      ['redirect_uri', req.redirectUri],
      ['scope', this.scopes.join(' ')],
      ['state', req.state],
      ['code_challenge', req.codeChallenge],
      ['code_challenge_method', 'S256'],
    ];
    const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    return `${this.opts.authorizeUrl}${this.opts.authorizeUrl.includes('?') ? '&' : '?'}${query}`;
  }

  async exchangeCode(req: CodeExchangeRequest): Promise<TokenSet> {
    if (!req.codeVerifier) throw new Error('X requires PKCE: codeVerifier is missing');
    const res = await this.opts.client.token({
      grant_type: 'authorization_code',
      code: req.code,
      redirect_uri: req.redirectUri,
      code_verifier: req.codeVerifier,
    });
    const now = this.opts.now();
    // The token answer does not name the user; users/me does (one call of its 75 per 15 minutes).
    const me = await this.opts.client.me(res.access_token);
    return tokenSetFrom(res, { accountId: me.id, now });
  }

  refresh(tokens: TokenSet): Promise<TokenSet> {
    const refreshToken = tokens.refreshToken;
    if (!refreshToken) {
      return Promise.reject(
        new PlatformError('reauth_required', 'no refresh token (offline.access not granted)', {
          platform: 'twitter',
          endpoint: 'POST /2/oauth2/token',
        }),
      );
    }
    const running = this.inFlight.get(refreshToken);
    if (running) return running;
    const started = this.opts.client
      .token({ grant_type: 'refresh_token', refresh_token: refreshToken })
      .then((res) =>
        tokenSetFrom(res, {
          accountId: tokens.accountId,
          now: this.opts.now(),
          previousRefresh: refreshToken,
        }),
      )
      .finally(() => this.inFlight.delete(refreshToken));
    this.inFlight.set(refreshToken, started);
    return started;
  }

  /** Revokes the refresh token (the long-lived credential) and the access token. */
  async revoke(tokens: TokenSet): Promise<boolean> {
    let revoked = false;
    if (tokens.refreshToken)
      revoked = (await this.opts.client.revoke(tokens.refreshToken, 'refresh_token')) || revoked;
    revoked = (await this.opts.client.revoke(tokens.accessToken, 'access_token')) || revoked;
    return revoked;
  }
}
