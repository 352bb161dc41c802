/**
 * What X costs and how incremental syncs keep it low (docs/twitter.md → Cost). X is pay-per-use: every post and
 * user an answer returns is billed (https://docs.x.com/x-api/getting-started/pricing: Posts: Read $0.005,
 * User: Read $0.010 per resource), with a monthly cap of post reads (https://docs.x.com/x-api/fundamentals/post-cap).
 */
import type { ReadBilling } from '../billing';
import type { TwitterCostSettings } from './settings';

export const DEFAULT_TWITTER_COST: TwitterCostSettings = {
  metricsRefreshDays: 30,
  olderPostsPerSync: 10,
  postReadUsd: 0.005,
  userReadUsd: 0.01,
  capResetDay: 1,
};

/** `GET /2/tweets` takes 1 to 100 ids (https://docs.x.com/x-api/posts/lookup). */
export const LOOKUP_BATCH = 100;

export function twitterCost(partial: Partial<TwitterCostSettings> = {}): TwitterCostSettings {
  return { ...DEFAULT_TWITTER_COST, ...partial };
}

/** The connector's `billing`: prices, and which stored posts incremental syncs refresh by id. */
export function twitterBilling(cost: TwitterCostSettings): ReadBilling {
  return {
    prices: { postUsd: cost.postReadUsd, userUsd: cost.userReadUsd },
    refresh: { maxAgeMs: cost.metricsRefreshDays * 86_400_000, rotation: cost.olderPostsPerSync },
  };
}
