import type { Env } from '../../config';
import { requireCredentials, type CredentialVariable } from '../descriptor';
import { tiktokBusinessSettingsFromEnv, type TikTokBusinessSettings } from './business/settings';

/** The TikTok app's credentials (Login Kit); without both, TikTok is served by its sandbox. */
export const TIKTOK_CREDENTIALS = [
  'TIKTOK_CLIENT_KEY',
  'TIKTOK_CLIENT_SECRET',
] as const satisfies readonly CredentialVariable[];

/** Everything the TikTok connector needs, from the environment (docs/contract.md → Environment). */
export interface TikTokSettings {
  clientKey: string;
  clientSecret: string;
  /** `TIKTOK_AUTHORIZE_URL`. */
  authorizeUrl: string;
  /** `TIKTOK_API_URL`: token, revoke and data endpoints. */
  apiUrl: string;
  /** Per-user budget of each Display API endpoint per minute (`TIKTOK_CALLS_PER_MINUTE`). */
  callsPerMinute: number;
  /** How the PKCE challenge is encoded; default `S256-hex` (see oauth.ts). */
  pkce?: 'S256' | 'S256-hex';
  /** The optional Business API authorization (`TIKTOK_BUSINESS_*`); absent = feature off. */
  business?: TikTokBusinessSettings;
}

export function tiktokSettingsFromEnv(env: Env): TikTokSettings {
  const [clientKey, clientSecret] = requireCredentials(env, 'tiktok', TIKTOK_CREDENTIALS);
  const business = tiktokBusinessSettingsFromEnv(env);
  return {
    clientKey,
    clientSecret,
    authorizeUrl: env.TIKTOK_AUTHORIZE_URL,
    apiUrl: env.TIKTOK_API_URL,
    callsPerMinute: env.TIKTOK_CALLS_PER_MINUTE,
    ...(business ? { business } : {}),
  };
}
