/**
 * The sandbox's own account data in the normalized Firestore form (docs/contract.md): what a perfect sync would store.
 * Computed from the world model directly (not through the connector's mapper), so comparing the two is a real check.
 * Metrics the platform would not return are absent: legacy posts have no insights, stories have no like/comment
 * counts, stories under 5 viewers have no insights at all.
 */
import { DEMOGRAPHIC_BREAKDOWNS, DEMOGRAPHICS_MIN_FOLLOWERS, STORY_NAVIGATION_ACTIONS } from './facts';
import type { GroundTruthAccount } from '../core/types';
import type { SandboxAudience, SandboxDailyInsight, SandboxItem } from './records';
import { permalinkOf } from './graph';
import {
  DAY_MS,
  MIN_STORY_VIEWERS,
  type AccountRecord,
  type InstagramWorld,
  type MediaRecord,
} from './world';

/** Days of account insights the ground truth lists (the Graph API answers at most 30 days per request). */
export const GROUND_TRUTH_DAYS = 30;

export function normalizedItem(
  world: InstagramWorld,
  account: AccountRecord,
  media: MediaRecord,
): SandboxItem {
  const raw = world.metricsOf(media);
  const metrics: Record<string, number> = {};
  const attributes: Record<string, string | number> = {
    mediaType: media.mediaType,
    mediaProductType: media.productType,
    permalink: permalinkOf(account, media),
  };
  if (media.kind === 'posts') {
    metrics.likes = raw.like_count;
    metrics.comments = raw.comments_count;
    if (!media.legacy)
      Object.assign(metrics, { reach: raw.reach, saves: raw.saved, shares: raw.shares, views: raw.views });
  } else if (raw.reach >= MIN_STORY_VIEWERS) {
    let navigation = 0;
    for (const k of STORY_NAVIGATION_ACTIONS) {
      attributes[`navigation_${k}`] = raw.navigation[k];
      navigation += raw.navigation[k];
    }
    Object.assign(metrics, {
      reach: raw.reach,
      replies: raw.replies,
      shares: raw.shares,
      views: raw.views,
      navigation,
    });
  }
  return {
    kind: media.kind,
    id: media.id,
    createdAt: new Date(media.createdAt).toISOString(),
    text: media.caption ?? null,
    metrics,
    attributes,
  };
}

export function groundTruth(world: InstagramWorld, account: AccountRecord, now: number): GroundTruthAccount {
  const daily: SandboxDailyInsight[] = [];
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  for (let d = today - GROUND_TRUTH_DAYS * DAY_MS; d <= today; d += DAY_MS) {
    const values = world.dayMetrics(account, d);
    if (values)
      daily.push({ date: new Date(d).toISOString().slice(0, 10), metrics: values as Record<string, number> });
  }
  let audience: SandboxAudience | undefined;
  if (account.followers >= DEMOGRAPHICS_MIN_FOLLOWERS) {
    audience = {};
    for (const b of DEMOGRAPHIC_BREAKDOWNS)
      audience[b] = Object.fromEntries(world.demographics(account, b, false));
  }
  return {
    accountId: account.id,
    profile: {
      username: account.username,
      displayName: account.name ?? null,
      followers: account.followers,
      following: account.follows,
      postCount: world.posts(account).length,
    },
    insights: daily.at(-1)?.metrics,
    daily,
    audience,
    items: {
      posts: world.posts(account).map((m) => normalizedItem(world, account, m)),
      stories: world.stories(account).map((m) => normalizedItem(world, account, m)),
    },
  };
}
