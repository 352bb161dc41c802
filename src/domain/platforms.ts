/**
 * Platforms and what they hold: the ids, the item collections of each, and the metric names the Firestore contract
 * promises (docs/contract.md). Plain data: the workflow bundle imports it, so no zod and no I/O here.
 */
export const PLATFORM_IDS = ['instagram', 'twitter', 'tiktok'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** Item collections, named as their Firestore subcollections under `users/{uid}/platforms/{platform}/`. */
export const ITEM_KIND_NAMES = ['posts', 'stories', 'tweets', 'videos'] as const;
export type ItemKind = (typeof ITEM_KIND_NAMES)[number];

/** Item kinds of each platform; the first is the primary one (its walk also detects deletions first). */
export const ITEM_KINDS: Readonly<Record<PlatformId, readonly ItemKind[]>> = {
  instagram: ['posts', 'stories'],
  twitter: ['tweets'],
  tiktok: ['videos'],
};

/** Metric names per item kind. A metric the platform did not return is absent, never 0. */
export const METRIC_NAMES = {
  posts: ['likes', 'comments', 'shares', 'saves', 'reach', 'views'],
  stories: ['likes', 'comments', 'shares', 'saves', 'reach', 'views', 'replies', 'navigation'],
  tweets: ['impressions', 'likes', 'retweets', 'replies', 'quotes', 'bookmarks'],
  videos: ['views', 'likes', 'comments', 'shares'],
} as const satisfies Record<ItemKind, readonly string[]>;

export function isPlatformId(value: unknown): value is PlatformId {
  return typeof value === 'string' && (PLATFORM_IDS as readonly string[]).includes(value);
}
