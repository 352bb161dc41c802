/**
 * Settings of the optional TikTok API for Business authorization (docs/tiktok.md, "Audience and daily history").
 * It is a second developer app at TikTok for Business with its own App ID and secret; without both, the feature is
 * off and TikTok connections sync the Display API data only.
 */
import type { Env } from '../../../config';

export const TIKTOK_BUSINESS_CREDENTIALS = ['TIKTOK_BUSINESS_APP_ID', 'TIKTOK_BUSINESS_SECRET'] as const;

export interface TikTokBusinessSettings {
  /** `TIKTOK_BUSINESS_APP_ID`: sent as `client_key` on the consent page and `client_id` to the token endpoints. */
  appId: string;
  /** `TIKTOK_BUSINESS_SECRET`. */
  secret: string;
  /** `TIKTOK_AUTHORIZE_URL`: the same www.tiktok.com consent page as Login Kit. */
  authorizeUrl: string;
  /** `TIKTOK_BUSINESS_API_URL`, e.g. `https://business-api.tiktok.com` (paths start with `/open_api/v1.3/`). */
  apiUrl: string;
}

/** The business settings, or undefined (feature off) unless both credentials are set. */
export function tiktokBusinessSettingsFromEnv(env: Env): TikTokBusinessSettings | undefined {
  const appId = env.TIKTOK_BUSINESS_APP_ID;
  const secret = env.TIKTOK_BUSINESS_SECRET;
  if (!appId || !secret) return undefined;
  return { appId, secret, authorizeUrl: env.TIKTOK_AUTHORIZE_URL, apiUrl: env.TIKTOK_BUSINESS_API_URL };
}
