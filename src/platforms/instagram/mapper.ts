/**
 * Pure functions from Instagram's raw shapes to the normalized records (docs/contract.md → Firestore). A metric the
 * platform did not return stays absent, never 0: legacy posts without insights keep only likes and comments,
 * stories under 5 viewers keep none.
 */
import type { Audience, DailyInsight, Item, Profile } from '../types';
import { MEDIA_METRIC_TO_NORMALIZED, STORY_NAVIGATION_BREAKDOWN, type DemographicBreakdown } from './metrics';
import type { InsightEntry, MediaNode, MeResponse } from './schemas';

export class MappingError extends Error {}

export function mapProfile(me: MeResponse): Profile {
  if (!me.username) throw new MappingError('profile has no username');
  return {
    username: me.username,
    displayName: me.name ?? null,
    ...(me.followers_count !== undefined ? { followers: me.followers_count } : {}),
    ...(me.follows_count !== undefined ? { following: me.follows_count } : {}),
    ...(me.media_count !== undefined ? { postCount: me.media_count } : {}),
  };
}

/** An insight's single number: `total_value.value`, else the (only) lifetime value, else the breakdown's sum. */
export function insightValue(entry: InsightEntry): number | undefined {
  if (entry.total_value?.value !== undefined) return entry.total_value.value;
  if (entry.values && entry.values.length > 0) return entry.values.reduce((sum, v) => sum + v.value, 0);
  const results = entry.total_value?.breakdowns?.[0]?.results;
  if (results && results.length > 0) return results.reduce((sum, r) => sum + r.value, 0);
  return undefined;
}

/** Media insights → normalized metrics (`saved` → `saves`), plus the story navigation breakdown as attributes. */
export function mapMediaInsights(entries: readonly InsightEntry[]): {
  metrics: Record<string, number>;
  attributes: Record<string, number>;
} {
  const metrics: Record<string, number> = {};
  const attributes: Record<string, number> = {};
  for (const entry of entries) {
    const name = MEDIA_METRIC_TO_NORMALIZED[entry.name];
    const value = insightValue(entry);
    if (name === undefined || value === undefined) continue;
    metrics[name] = value;
    if (entry.name === 'navigation') {
      const breakdown = entry.total_value?.breakdowns?.find(
        (b) => b.dimension_keys === undefined || b.dimension_keys.includes(STORY_NAVIGATION_BREAKDOWN),
      );
      for (const r of breakdown?.results ?? []) {
        if (r.dimension_values[0]) attributes[`navigation_${r.dimension_values[0]}`] = r.value;
      }
    }
  }
  return { metrics, attributes };
}

/** `2024-05-01T12:00:00+0000` → `2024-05-01T12:00:00.000Z`. */
export function isoInstant(metaTimestamp: string): string {
  const normalized = metaTimestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  if (!Number.isFinite(ms)) throw new MappingError(`unparseable timestamp ${metaTimestamp}`);
  return new Date(ms).toISOString();
}

/**
 * One media (post or story) → Item. `extraInsights` are insights fetched separately (per-media fallback, story
 * navigation); they join the inline ones.
 */
export function mapMedia(
  kind: 'posts' | 'stories',
  node: MediaNode,
  extraInsights: readonly InsightEntry[] = [],
): Item {
  if (!node.timestamp) throw new MappingError(`media ${node.id} has no timestamp`);
  const { metrics, attributes } = mapMediaInsights([...(node.insights?.data ?? []), ...extraInsights]);
  if (node.like_count !== undefined) metrics.likes = node.like_count;
  if (node.comments_count !== undefined) metrics.comments = node.comments_count;
  const attrs: Record<string, string | number> = { ...attributes };
  if (node.media_type !== undefined) attrs.mediaType = node.media_type;
  if (node.media_product_type !== undefined) attrs.mediaProductType = node.media_product_type;
  if (node.permalink !== undefined) attrs.permalink = node.permalink;
  return {
    kind,
    id: node.id,
    createdAt: isoInstant(node.timestamp),
    text: node.caption ?? null,
    metrics,
    attributes: attrs,
  };
}

/** A `total_value` answer for one UTC day → DailyInsight; undefined when the platform had no data (not zeros). */
export function mapDailyInsight(date: string, entries: readonly InsightEntry[]): DailyInsight | undefined {
  const metrics: Record<string, number> = {};
  for (const entry of entries) {
    const value = insightValue(entry);
    if (value !== undefined) metrics[entry.name] = value;
  }
  return Object.keys(metrics).length > 0 ? { date, metrics } : undefined;
}

/** A `time_series` answer → one DailyInsight per UTC day; `end_time` closes the day it belongs to. */
export function mapTimeSeries(entries: readonly InsightEntry[]): DailyInsight[] {
  const byDate = new Map<string, Record<string, number>>();
  for (const entry of entries) {
    for (const v of entry.values ?? []) {
      if (!v.end_time) continue;
      const date = new Date(Date.parse(isoInstant(v.end_time)) - 1).toISOString().slice(0, 10);
      const metrics = byDate.get(date) ?? {};
      metrics[entry.name] = v.value;
      byDate.set(date, metrics);
    }
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, metrics]) => ({ date, metrics }));
}

/** Demographic answers per breakdown → Audience; a breakdown without results stays absent. */
export function mapAudience(
  byBreakdown: Partial<Record<DemographicBreakdown, readonly InsightEntry[]>>,
): Audience | undefined {
  const audience: Audience = {};
  for (const [breakdown, entries] of Object.entries(byBreakdown) as [
    DemographicBreakdown,
    InsightEntry[],
  ][]) {
    const results = entries.flatMap((e) => e.total_value?.breakdowns?.[0]?.results ?? []);
    if (results.length === 0) continue;
    audience[breakdown] = Object.fromEntries(results.map((r) => [r.dimension_values.join(', '), r.value]));
  }
  return Object.keys(audience).length > 0 ? audience : undefined;
}
