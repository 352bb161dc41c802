/**
 * OAuth of the TikTok API for Business authorization (Accounts API), as documented on
 * https://business-api.tiktok.com/portal/docs?id=1738084387220481 (Authentication) and
 * https://business-api.tiktok.com/portal/docs?id=1738083939371009 (Authorization):
 * - consent on the same www.tiktok.com `/v2/auth/authorize/` page as Login Kit, with the business app's App ID as
 *   `client_key`; the code is valid 10 minutes, single use;
 * - `POST /open_api/v1.3/tt_user/oauth2/token/` with a JSON body `client_id, client_secret, grant_type,
 *   auth_code, redirect_uri` (redirect_uri required, equal to the registered one);
 * - `POST .../tt_user/oauth2/refresh_token/` (`client_id, client_secret, grant_type, refresh_token`): returns a new
 *   access AND refresh token, so both are stored (rotation);
 * - `POST .../tt_user/oauth2/revoke/` (`client_id, client_secret, access_token`), answer `data: {}`.
 * Access tokens live 24 h (`expires_in: 86400`), refresh tokens a year (`refresh_token_expires_in: 31536000`).
 * No PKCE is documented for this flow.
 */
import { z } from 'zod';
import { PlatformError } from '../../errors';
import { joinUrl, shapeError, type ConnectorHttp } from '../../http';
import type { AuthorizeUrlRequest, CodeExchangeRequest, OAuthProvider, TokenSet } from '../../types';
import { businessOAuthClassifier } from './errors';
import { BUSINESS_PATHS, BUSINESS_SCOPES, BusinessTokenResponse } from './schemas';

export const BUSINESS_OAUTH_ENDPOINTS = {
  token: `POST ${BUSINESS_PATHS.token}`,
  refresh: `POST ${BUSINESS_PATHS.refresh}`,
  revoke: `POST ${BUSINESS_PATHS.revoke}`,
} as const;

/** Refresh an hour before the 24 h access token ends, like the Login Kit token. */
export const BUSINESS_REFRESH_MARGIN_MS = 60 * 60 * 1000;

export interface TikTokBusinessOAuthOptions {
  appId: string;
  secret: string;
  /** `TIKTOK_AUTHORIZE_URL` (the shared consent page). */
  authorizeUrl: string;
  /** `TIKTOK_BUSINESS_API_URL`. */
  apiUrl: string;
  http: ConnectorHttp;
  now: () => number;
}

type Grant = 'authorization_code' | 'refresh_token' | 'revoke';

export class TikTokBusinessOAuth implements OAuthProvider {
  readonly pkce = 'none' as const;
  readonly scopes = BUSINESS_SCOPES;
  readonly refreshMarginMs = BUSINESS_REFRESH_MARGIN_MS;

  constructor(private readonly opts: TikTokBusinessOAuthOptions) {}

  authorizeUrl({ state, redirectUri }: AuthorizeUrlRequest): string {
    const url = new URL(this.opts.authorizeUrl);
    url.searchParams.set('client_key', this.opts.appId);
    url.searchParams.set('scope', this.scopes.join(','));
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    return url.toString();
  }

  async exchangeCode({ code, redirectUri }: CodeExchangeRequest): Promise<TokenSet> {
    return this.tokenRequest(
      BUSINESS_OAUTH_ENDPOINTS.token,
      BUSINESS_PATHS.token,
      {
        client_id: this.opts.appId,
        client_secret: this.opts.secret,
        grant_type: 'authorization_code',
        auth_code: code,
        redirect_uri: redirectUri,
      },
      'authorization_code',
    );
  }

  async refresh(tokens: TokenSet): Promise<TokenSet> {
    if (!tokens.refreshToken) {
      throw new PlatformError('reauth_required', 'no business refresh token stored', {
        platform: 'tiktok',
        endpoint: BUSINESS_OAUTH_ENDPOINTS.refresh,
      });
    }
    return this.tokenRequest(
      BUSINESS_OAUTH_ENDPOINTS.refresh,
      BUSINESS_PATHS.refresh,
      {
        client_id: this.opts.appId,
        client_secret: this.opts.secret,
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
      },
      'refresh_token',
    );
  }

  async revoke(tokens: TokenSet): Promise<boolean> {
    // The revocation names the access token: an expired one is refreshed first so the grant really ends.
    let current = tokens;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= this.opts.now() && tokens.refreshToken) {
      current = await this.refresh(tokens);
    }
    await this.post(
      BUSINESS_OAUTH_ENDPOINTS.revoke,
      BUSINESS_PATHS.revoke,
      { client_id: this.opts.appId, client_secret: this.opts.secret, access_token: current.accessToken },
      'revoke',
      z.unknown(),
    );
    return true;
  }

  private async tokenRequest(
    endpoint: string,
    path: string,
    body: Record<string, string>,
    grant: Grant,
  ): Promise<TokenSet> {
    const answer = await this.post(endpoint, path, body, grant, z.unknown());
    const parsed = BusinessTokenResponse.safeParse(answer);
    if (!parsed.success) throw shapeError('tiktok', endpoint, parsed.error);
    const t = parsed.data.data;
    const now = this.opts.now();
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: now + t.expires_in * 1000,
      refreshExpiresAt: now + t.refresh_token_expires_in * 1000,
      scopes: t.scope.split(/[,\s]+/).filter(Boolean),
      accountId: t.open_id,
      issuedAt: now,
    };
  }

  /** JSON POST; never retried inside the kit (a code is single use, a refresh token rotates). */
  private post<S extends z.ZodType>(
    endpoint: string,
    path: string,
    body: Record<string, string>,
    grant: Grant,
    schema: S,
  ): Promise<z.output<S>> {
    return this.opts.http.request({
      method: 'POST',
      url: joinUrl(this.opts.apiUrl, path),
      endpoint,
      json: body,
      schema,
      classify: businessOAuthClassifier(grant),
    });
  }
}
