/**
 * TikTok Login Kit v2: authorize URL, code exchange, refresh (with rotation) and revocation.
 *
 * PKCE: we send the challenge as hex SHA-256 (`S256-hex`). TikTok's own Login Kit guide for desktop apps computes
 * the challenge as a hex digest, and implementers report the RFC base64url form being refused; web apps may omit
 * PKCE entirely, so sending the hex form is safe either way. The sandbox accepts both encodings.
 */
import { z } from 'zod';
import { PlatformError, isPlatformError } from '../errors';
import { joinUrl, shapeError, type ConnectorHttp } from '../http';
import type { AuthorizeUrlRequest, CodeExchangeRequest, OAuthProvider, PkceMethod, TokenSet } from '../types';
import type { Logger } from '../../shared/logger';
import { oauthClassifier } from './errors';
import { TIKTOK_SCOPES, TokenResponse } from './schemas';

export const OAUTH_ENDPOINTS = {
  token: 'POST /v2/oauth/token/',
  revoke: 'POST /v2/oauth/revoke/',
} as const;

/** Access tokens live 24 h; refreshing an hour early leaves room for retries and a backed-up worker. */
export const TIKTOK_REFRESH_MARGIN_MS = 60 * 60 * 1000;

export interface TikTokOAuthOptions {
  clientKey: string;
  clientSecret: string;
  /** `TIKTOK_AUTHORIZE_URL`. */
  authorizeUrl: string;
  /** `TIKTOK_API_URL` (token and revoke endpoints live there). */
  apiUrl: string;
  pkce: Exclude<PkceMethod, 'none'>;
  http: ConnectorHttp;
  logger: Logger;
  now: () => number;
}

type Grant = 'authorization_code' | 'refresh_token' | 'revoke';

export class TikTokOAuth implements OAuthProvider {
  readonly scopes = TIKTOK_SCOPES;
  readonly refreshMarginMs = TIKTOK_REFRESH_MARGIN_MS;
  readonly pkce: Exclude<PkceMethod, 'none'>;
  /** In-flight refreshes by refresh token: concurrent callers share one request (TikTok may rotate the token). */
  private readonly refreshing = new Map<string, Promise<TokenSet>>();

  constructor(private readonly opts: TikTokOAuthOptions) {
    this.pkce = opts.pkce;
  }

  authorizeUrl({ state, redirectUri, codeChallenge }: AuthorizeUrlRequest): string {
    const url = new URL(this.opts.authorizeUrl);
    url.searchParams.set('client_key', this.opts.clientKey);
    url.searchParams.set('scope', this.scopes.join(','));
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    if (codeChallenge !== undefined) {
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
    }
    return url.toString();
  }

  async exchangeCode({ code, redirectUri, codeVerifier }: CodeExchangeRequest): Promise<TokenSet> {
    const form: Record<string, string> = {
      client_key: this.opts.clientKey,
      client_secret: this.opts.clientSecret,
      code,
      grant_type: 'authorization_code',
      redirect_uri: redirectUri,
    };
    if (codeVerifier !== undefined) form.code_verifier = codeVerifier;
    return this.tokenRequest(form, 'authorization_code');
  }

  refresh(tokens: TokenSet): Promise<TokenSet> {
    const refreshToken = tokens.refreshToken;
    if (!refreshToken) {
      return Promise.reject(
        new PlatformError('reauth_required', 'no refresh token stored', {
          platform: 'tiktok',
          endpoint: OAUTH_ENDPOINTS.token,
        }),
      );
    }
    const running = this.refreshing.get(refreshToken);
    if (running) return running;
    const started = this.tokenRequest(
      {
        client_key: this.opts.clientKey,
        client_secret: this.opts.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      },
      'refresh_token',
    ).finally(() => this.refreshing.delete(refreshToken));
    this.refreshing.set(refreshToken, started);
    return started;
  }

  async revoke(tokens: TokenSet): Promise<boolean> {
    // Revocation authenticates with the access token itself: refresh an expired one first so consent really ends.
    let current = tokens;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= this.opts.now() && tokens.refreshToken) {
      current = await this.refresh(tokens);
    }
    await this.post(
      OAUTH_ENDPOINTS.revoke,
      '/v2/oauth/revoke/',
      {
        client_key: this.opts.clientKey,
        client_secret: this.opts.clientSecret,
        token: current.accessToken,
      },
      'revoke',
    );
    return true;
  }

  private async tokenRequest(form: Record<string, string>, grant: Grant): Promise<TokenSet> {
    const body = await this.post(OAUTH_ENDPOINTS.token, '/v2/oauth/token/', form, grant);
    // The v2 answer is flat; tolerate a `data` wrapper as the v1 API had.
    const candidate =
      body && typeof body === 'object' && 'data' in body && !('access_token' in body)
        ? (body as { data: unknown }).data
        : body;
    const parsed = TokenResponse.safeParse(candidate);
    if (!parsed.success) throw shapeError('tiktok', OAUTH_ENDPOINTS.token, parsed.error);
    const t = parsed.data;
    const now = this.opts.now();
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: now + t.expires_in * 1000,
      refreshExpiresAt: now + t.refresh_expires_in * 1000,
      scopes: t.scope.split(/[,\s]+/).filter(Boolean),
      accountId: t.open_id,
      issuedAt: now,
    };
  }

  /**
   * Form POST; an `error` member means failure whatever the status (errors.ts). Never retried inside the kit: an
   * authorization code is single-use and a refresh token may rotate.
   */
  private async post(
    endpoint: string,
    path: string,
    form: Record<string, string>,
    grant: Grant,
  ): Promise<unknown> {
    try {
      return await this.opts.http.request({
        method: 'POST',
        url: joinUrl(this.opts.apiUrl, path),
        endpoint,
        form,
        headers: { 'cache-control': 'no-cache' },
        schema: z.unknown(),
        classify: oauthClassifier(grant),
      });
    } catch (err) {
      if (isPlatformError(err) && err.status !== undefined) {
        this.opts.logger.warn(
          { endpoint, grant, kind: err.kind, code: err.platformCode },
          'tiktok oauth failed',
        );
      }
      throw err;
    }
  }
}
