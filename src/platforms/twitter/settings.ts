import { publicBaseUrl, type Env } from '../../config';
import { requireCredentials, type CredentialVariable } from '../descriptor';

/** The X app's credentials (OAuth 2.0 confidential client); without both, X is served by its sandbox. */
export const TWITTER_CREDENTIALS = [
  'TWITTER_CLIENT_ID',
  'TWITTER_CLIENT_SECRET',
] as const satisfies readonly CredentialVariable[];

/** Everything the X connector needs, from the environment (docs/contract.md → Environment). */
export interface TwitterSettings {
  clientId: string;
  clientSecret: string;
  /** Default `https://x.com/i/oauth2/authorize`. */
  authorizeUrl: string;
  /** Default `https://api.x.com`; every path is appended as on the real platform. */
  apiUrl: string;
  /** Per-user budget of `GET /2/users/:id/tweets` per 15 minutes (`TWITTER_CALLS_PER_15MIN`, default 900). */
  timelineCallsPer15Min: number;
  /** Per-user budget of `GET /2/users/me` per 15 minutes (X: 75). */
  meCallsPer15Min?: number;
  /** Per-user budget of `GET /2/tweets` per 15 minutes (X: 5,000). */
  lookupCallsPer15Min?: number;
  refreshMarginMs?: number;
  /** The app's API key and secret (`TWITTER_CONSUMER_KEY`/`_SECRET`): app-only bearer, CRC and signatures. */
  consumerKey?: string;
  consumerSecret?: string;
  /** `{PUBLIC_BASE_URL}/webhooks/twitter`: the URL registered with X. */
  webhookUrl?: string;
  /** What X bills and what incremental syncs refresh by id (docs/twitter.md → Cost); defaults in cost.ts. */
  cost?: Partial<TwitterCostSettings>;
}

/** X cost settings (docs/twitter.md → Cost). */
export interface TwitterCostSettings {
  /** `TWITTER_METRICS_REFRESH_DAYS`: stored posts younger than this get fresh metrics every incremental sync. */
  metricsRefreshDays: number;
  /** `TWITTER_OLDER_POSTS_REFRESH_PER_SYNC`: older posts refreshed per incremental sync, least recently first. */
  olderPostsPerSync: number;
  /** `TWITTER_PRICE_PER_POST_READ_USD`, `TWITTER_PRICE_PER_USER_READ_USD`. */
  postReadUsd: number;
  userReadUsd: number;
  /** `TWITTER_USAGE_CAP_RESET_DAY`: day of the month (UTC) the monthly post cap resets. */
  capResetDay: number;
}

export function twitterSettingsFromEnv(env: Env): TwitterSettings {
  const [clientId, clientSecret] = requireCredentials(env, 'twitter', TWITTER_CREDENTIALS);
  return {
    clientId,
    clientSecret,
    authorizeUrl: env.TWITTER_AUTHORIZE_URL,
    apiUrl: env.TWITTER_API_URL,
    timelineCallsPer15Min: env.TWITTER_CALLS_PER_15MIN,
    consumerKey: env.TWITTER_CONSUMER_KEY,
    consumerSecret: env.TWITTER_CONSUMER_SECRET,
    webhookUrl: `${publicBaseUrl(env).replace(/\/+$/, '')}/webhooks/twitter`,
    cost: {
      metricsRefreshDays: env.TWITTER_METRICS_REFRESH_DAYS,
      olderPostsPerSync: env.TWITTER_OLDER_POSTS_REFRESH_PER_SYNC,
      postReadUsd: env.TWITTER_PRICE_PER_POST_READ_USD,
      userReadUsd: env.TWITTER_PRICE_PER_USER_READ_USD,
      capResetDay: env.TWITTER_USAGE_CAP_RESET_DAY,
    },
  };
}
