/**
 * Pure functions from `/business/get/` to socialsync's records: one DailyInsight per day of `metrics`, and the
 * audience in the shape every platform uses (`{ age, gender, country, city }`, each a map from dimension value to
 * number). TikTok gives audience values as shares of followers (0–1); Instagram gives counts. A value TikTok did
 * not return stays absent (never 0).
 */
import type { Audience, DailyInsight } from '../../types';
import { AUDIENCE_MIN_FOLLOWERS, type BusinessAccount, type BusinessDailyMetric } from './schemas';

/** Raw daily field → stored metric name in `insights/{YYYY-MM-DD}` (followers as on the platform document). */
export const DAILY_METRICS = {
  followers_count: 'followers',
  profile_views: 'profile_views',
  video_views: 'video_views',
  likes: 'likes',
  comments: 'comments',
  shares: 'shares',
} as const satisfies Partial<Record<keyof BusinessDailyMetric, string>>;

export function mapDaily(metrics: readonly BusinessDailyMetric[]): DailyInsight[] {
  const out: DailyInsight[] = [];
  for (const day of metrics) {
    const values: Record<string, number> = {};
    for (const [raw, name] of Object.entries(DAILY_METRICS) as [keyof typeof DAILY_METRICS, string][]) {
      const value = day[raw];
      if (typeof value === 'number') values[name] = value;
    }
    if (Object.keys(values).length > 0) out.push({ date: day.date, metrics: values });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Why the audience is absent, or undefined when it is there. */
export const AUDIENCE_REASONS = {
  tooFewFollowers: `fewer than ${AUDIENCE_MIN_FOLLOWERS} followers`,
  none: 'TikTok returned no audience data (analytics may be turned off in the TikTok app)',
} as const;

export interface MappedAudience {
  audience?: Audience;
  reason?: string;
}

function toMap<T>(
  entries: readonly T[] | undefined,
  key: (e: T) => string | undefined,
  value: (e: T) => number,
) {
  const out: Record<string, number> = {};
  for (const entry of entries ?? []) {
    const k = key(entry);
    if (k) out[k] = value(entry);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function mapAudience(account: BusinessAccount): MappedAudience {
  if (account.followers_count !== undefined && account.followers_count < AUDIENCE_MIN_FOLLOWERS) {
    return { reason: AUDIENCE_REASONS.tooFewFollowers };
  }
  const audience: Audience = {};
  const age = toMap(
    account.audience_ages,
    (e) => e.age,
    (e) => e.percentage,
  );
  const gender = toMap(
    account.audience_genders,
    (e) => e.gender,
    (e) => e.percentage,
  );
  const country = toMap(
    account.audience_countries,
    (e) => e.country,
    (e) => e.percentage,
  );
  const city = toMap(
    account.audience_cities,
    (e) => e.city_name ?? e.city,
    (e) => e.percentage,
  );
  if (age) audience.age = age;
  if (gender) audience.gender = gender;
  if (country) audience.country = country;
  if (city) audience.city = city;
  return Object.keys(audience).length > 0 ? { audience } : { reason: AUDIENCE_REASONS.none };
}
