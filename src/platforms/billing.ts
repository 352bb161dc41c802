/**
 * Pay-per-use platforms bill reads by the resource returned, not by the request (X: per post and per user,
 * https://docs.x.com/x-api/getting-started/pricing). Pure arithmetic shared by the connectors that bill and the
 * activities that record what a sync cost.
 */
import type { ReadUsage } from '../domain';

/** US dollars per resource read. */
export interface ReadPrices {
  postUsd: number;
  userUsd: number;
}

/**
 * Which stored items an incremental sync refreshes by id (a batch lookup) instead of re-walking the listing:
 * those created within `maxAgeMs` (0: none by age) plus the `rotation` least recently updated older ones.
 */
export interface RefreshByIdPolicy {
  maxAgeMs: number;
  rotation: number;
}

/** What a connector that charges per read declares (absent on platforms that do not bill reads). */
export interface ReadBilling {
  prices: ReadPrices;
  refresh: RefreshByIdPolicy;
}

export function noReads(): ReadUsage {
  return { posts: 0, users: 0 };
}

export function addReads(a: ReadUsage, b: ReadUsage | undefined): ReadUsage {
  return b ? { posts: a.posts + b.posts, users: a.users + b.users } : a;
}

/** Dollars, rounded to the micro-dollar so sums of many small prices stay exact enough to compare and display. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/**
 * The cost of `reads` at `prices`. An upper bound of what X bills: X charges a resource once per UTC day however
 * often it is returned (https://docs.x.com/x-api/fundamentals/post-cap), so repeated reads of one post on the same
 * day cost less than this says.
 */
export function estimateCostUsd(reads: ReadUsage, prices: ReadPrices): number {
  return roundUsd(reads.posts * prices.postUsd + reads.users * prices.userUsd);
}

/** The calendar month (UTC, `YYYY-MM`) an instant falls in: the period usage is accumulated by. */
export function usageMonth(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** Splits ids into batches of at most `size` (X's `GET /2/tweets` takes 1 to 100 ids). */
export function batches<T>(ids: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer`);
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}
