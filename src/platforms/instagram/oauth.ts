/**
 * Instagram Login OAuth: authorize URL, code → short-lived token (1 h) → long-lived token (60 days) → `GET /me` for
 * the professional account id (the connection's account id), and refresh of the long-lived token by itself
 * (`ig_refresh_token`). Instagram has no refresh token, no PKCE and no revocation endpoint: `TokenSet.refreshToken`
 * stays absent and `revoke` resolves false.
 */
import type { Logger } from '../../shared/logger';
import { PlatformError } from '../errors';
import type { CodeExchangeRequest, OAuthProvider, TokenSet } from '../types';
import type { InstagramHttp } from './http';
import { LongLivedTokenResponse, ShortLivedTokenResponse, type MeResponse } from './schemas';
import type { InstagramSettings } from './settings';

/**
 * `manage_comments` is what the `comments` and `mentions` webhook fields need (see subscriptions.ts); without it
 * Meta refuses the per-account webhook subscription.
 * https://developers.facebook.com/documentation/instagram-platform/webhooks/fields
 */
export const INSTAGRAM_SCOPES = [
  'instagram_business_basic',
  'instagram_business_manage_insights',
  'instagram_business_manage_comments',
] as const;
const DAY_MS = 86_400_000;
/** The platform refuses to refresh a token younger than this. */
export const MIN_REFRESH_AGE_MS = DAY_MS;
/**
 * Refresh 10 days before the 60-day expiry: a 6-hourly schedule gets ~40 chances, and the token is always far
 * older than the 24 h the platform requires.
 */
export const REFRESH_MARGIN_MS = 10 * DAY_MS;

export interface InstagramOAuthDeps {
  settings: InstagramSettings;
  http: InstagramHttp;
  logger: Logger;
  now: () => number;
  /** `GET /me?fields=user_id,…` with a token: the professional account id of the connection. */
  me: (accessToken: string) => Promise<MeResponse>;
}

function scopesOf(permissions: string | string[] | undefined): string[] {
  if (permissions === undefined) return [...INSTAGRAM_SCOPES];
  const list = Array.isArray(permissions) ? permissions : permissions.split(',');
  return list.map((s) => s.trim()).filter(Boolean);
}

export function createInstagramOAuth(deps: InstagramOAuthDeps): OAuthProvider {
  const { settings, http, logger, now, me } = deps;
  /** One in-flight refresh per token in this process: a second caller gets the same promise. */
  const inflight = new Map<string, Promise<TokenSet>>();

  async function refreshNow(tokens: TokenSet): Promise<TokenSet> {
    // Failures are classified by the HTTP kit with Instagram's rules; a 190 (expired/invalid token) is already reauth_required.
    const answer = await http.request({
      method: 'GET',
      url: `${settings.graphUrl}/refresh_access_token`,
      endpoint: 'GET /refresh_access_token',
      params: { grant_type: 'ig_refresh_token', access_token: tokens.accessToken },
      schema: LongLivedTokenResponse,
    });
    const issuedAt = now();
    logger.info({ accountId: tokens.accountId }, 'instagram token refreshed');
    return {
      accessToken: answer.access_token,
      expiresAt: issuedAt + answer.expires_in * 1000,
      issuedAt,
      scopes: answer.permissions ? scopesOf(answer.permissions) : tokens.scopes,
      accountId: tokens.accountId,
    };
  }

  return {
    pkce: 'none',
    scopes: INSTAGRAM_SCOPES,
    refreshMarginMs: REFRESH_MARGIN_MS,

    authorizeUrl({ state, redirectUri }) {
      const url = new URL(settings.authorizeUrl);
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', INSTAGRAM_SCOPES.join(','));
      url.searchParams.set('state', state);
      return url.toString();
    },

    async exchangeCode({ code, redirectUri }: CodeExchangeRequest): Promise<TokenSet> {
      const short = await http.request({
        method: 'POST',
        url: settings.tokenUrl,
        endpoint: 'POST /oauth/access_token',
        // The redirect may carry a trailing `#_` that is not part of the code.
        form: {
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          grant_type: 'authorization_code',
          redirect_uri: redirectUri,
          code: code.replace(/#_$/, ''),
        },
        schema: ShortLivedTokenResponse,
      });
      const long = await http.request({
        method: 'GET',
        url: `${settings.graphUrl}/access_token`,
        endpoint: 'GET /access_token',
        params: {
          grant_type: 'ig_exchange_token',
          client_secret: settings.clientSecret,
          access_token: short.access_token,
        },
        schema: LongLivedTokenResponse,
      });
      const issuedAt = now();
      // The exchange's `user_id` is app-scoped. Graph paths, the account index and webhook `entry.id` use the
      // professional account id that `/me?fields=user_id` answers, so that one is the connection's account id.
      const profile = await me(long.access_token);
      if (!profile.user_id) {
        throw new PlatformError('permanent', 'GET /me answered without user_id', {
          platform: 'instagram',
          endpoint: 'GET /me',
        });
      }
      logger.info({ accountId: profile.user_id }, 'instagram account connected');
      return {
        accessToken: long.access_token,
        expiresAt: issuedAt + long.expires_in * 1000,
        issuedAt,
        scopes: scopesOf(short.permissions),
        accountId: profile.user_id,
      };
    },

    async refresh(tokens: TokenSet): Promise<TokenSet> {
      const at = now();
      if (tokens.expiresAt !== undefined && tokens.expiresAt <= at) {
        throw new PlatformError(
          'reauth_required',
          'the long-lived token has expired; Instagram cannot refresh it',
          {
            platform: 'instagram',
            endpoint: 'GET /refresh_access_token',
          },
        );
      }
      // Younger than 24 h: the platform would refuse, and the token is fresh anyway.
      if (at - tokens.issuedAt < MIN_REFRESH_AGE_MS) return tokens;
      const running = inflight.get(tokens.accessToken);
      if (running) return running;
      const started = refreshNow(tokens).finally(() => inflight.delete(tokens.accessToken));
      inflight.set(tokens.accessToken, started);
      return started;
    },

    async revoke(): Promise<boolean> {
      // Instagram has no token revocation endpoint; the user removes the app in their Instagram settings.
      return false;
    },
  };
}
