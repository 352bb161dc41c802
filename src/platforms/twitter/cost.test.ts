/**
 * X cost awareness, pure parts: telling the monthly usage cap from a window 429, when the cap resets, what reads
 * cost, and how ids are batched for `GET /2/tweets`.
 */
import { toActivityFailure } from '../../activities/failures';
import { FailureType } from '../../domain';
import { addReads, batches, estimateCostUsd, noReads, roundUsd, usageMonth } from '../billing';
import { DEFAULT_TWITTER_COST, LOOKUP_BATCH, twitterBilling, twitterCost } from './cost';
import { apiClassifier, classifyApiFailure, isUsageCapped, nextCapReset } from './errors';

const now = Date.parse('2026-12-03T13:00:00Z');
const endpoint = 'GET /2/tweets';
/** X's answer once the monthly cap is used up (https://github.com/xdevplatform/xdk/issues/25). */
const usageCapped = {
  account_id: '1234',
  product_name: 'standard-basic',
  title: 'UsageCapExceeded',
  period: 'Monthly',
  scope: 'Product',
  detail: 'Usage cap exceeded: Monthly product cap',
  type: 'https://api.twitter.com/2/problems/usage-capped',
};
const windowLimit = {
  title: 'Too Many Requests',
  type: 'about:blank',
  status: 429,
  detail: 'Too Many Requests',
};
// The window still has room and resets in 10 minutes: useless for the cap.
const roomyHeaders = {
  'x-rate-limit-limit': '40000',
  'x-rate-limit-remaining': '39999',
  'x-rate-limit-reset': String(now / 1000 + 600),
};

describe('monthly usage cap vs window limit', () => {
  it('a 429 with the usage-capped problem is usage_capped until the 1st of the next UTC month', () => {
    const err = classifyApiFailure({ endpoint, status: 429, body: usageCapped, headers: roomyHeaders, now });
    expect(err.kind).toBe('usage_capped');
    expect(err.retryAt).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(err.platformCode).toBe('https://api.twitter.com/2/problems/usage-capped');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Usage cap exceeded: Monthly product cap');
  });

  it('a plain 429 stays a window limit at x-rate-limit-reset', () => {
    const err = classifyApiFailure({ endpoint, status: 429, body: windowLimit, headers: roomyHeaders, now });
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAt).toBe(now + 600_000);
  });

  it('recognises the cap by its type or by its title alone; nothing else', () => {
    expect(isUsageCapped(usageCapped)).toBe(true);
    expect(isUsageCapped({ type: 'https://api.x.com/2/problems/usage-capped' })).toBe(true);
    expect(isUsageCapped({ title: 'UsageCapExceeded' })).toBe(true);
    expect(isUsageCapped(windowLimit)).toBe(false);
    expect(isUsageCapped({ type: 'https://api.twitter.com/2/problems/rate-limit-exceeded' })).toBe(false);
    expect(isUsageCapped(undefined)).toBe(false);
    expect(isUsageCapped('UsageCapExceeded')).toBe(false);
  });

  it('the usage-capped problem on another status is not the cap', () => {
    expect(classifyApiFailure({ endpoint, status: 403, body: usageCapped, now }).kind).toBe(
      'reauth_required',
    );
  });

  it('the reset day is configurable (X reports it as cap_reset_day)', () => {
    expect(nextCapReset(now)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(nextCapReset(now, 10)).toBe(Date.parse('2026-12-10T00:00:00Z'));
    expect(nextCapReset(now, 3)).toBe(Date.parse('2027-01-03T00:00:00Z'));
    // Exactly at a reset: the next one, never now.
    expect(nextCapReset(Date.parse('2027-01-01T00:00:00Z'))).toBe(Date.parse('2027-02-01T00:00:00Z'));
    // Out of range days are clamped to 1..28 (every month has them).
    expect(nextCapReset(now, 31)).toBe(Date.parse('2026-12-28T00:00:00Z'));
    expect(nextCapReset(now, 0)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    const failure = apiClassifier({ capResetDay: 10 })({
      endpoint,
      status: 429,
      body: usageCapped,
      headers: {},
      now,
    });
    expect(failure?.kind).toBe('usage_capped');
    expect(failure?.retryAt).toBe(Date.parse('2026-12-10T00:00:00Z'));
  });

  it('becomes a non-retryable UsageCapped activity failure carrying the reset instant', () => {
    const err = classifyApiFailure({ endpoint, status: 429, body: usageCapped, now });
    const failure = toActivityFailure(err, now) as Error & {
      type?: string;
      nonRetryable?: boolean;
      details?: unknown[];
    };
    expect(failure.type).toBe(FailureType.usageCapped);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([{ retryAt: Date.parse('2027-01-01T00:00:00Z') }]);
  });
});

describe('cost arithmetic', () => {
  const prices = twitterBilling(twitterCost()).prices;

  it('defaults are the documented pay-per-use prices ($0.005 per post, $0.010 per user)', () => {
    expect(prices).toEqual({ postUsd: 0.005, userUsd: 0.01 });
    expect(DEFAULT_TWITTER_COST).toMatchObject({
      metricsRefreshDays: 30,
      olderPostsPerSync: 10,
      capResetDay: 1,
    });
  });

  it('prices every post and user read, without floating-point dust', () => {
    expect(estimateCostUsd({ posts: 3, users: 0 }, prices)).toBe(0.015);
    expect(estimateCostUsd({ posts: 150, users: 1 }, prices)).toBe(0.76);
    expect(estimateCostUsd({ posts: 0, users: 0 }, prices)).toBe(0);
    expect(estimateCostUsd({ posts: 7, users: 3 }, { postUsd: 0.0001, userUsd: 0.0003 })).toBe(0.0016);
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
  });

  it('sums reads and names the UTC month they are accumulated in', () => {
    expect(addReads(addReads(noReads(), { posts: 5, users: 1 }), { posts: 2, users: 0 })).toEqual({
      posts: 7,
      users: 1,
    });
    expect(addReads({ posts: 1, users: 1 }, undefined)).toEqual({ posts: 1, users: 1 });
    expect(usageMonth(Date.parse('2026-12-31T23:59:59Z'))).toBe('2026-12');
    expect(usageMonth(Date.parse('2027-01-01T00:00:00Z'))).toBe('2027-01');
  });

  it('the refresh policy follows the settings (days → ms; 0 days: nothing by age)', () => {
    expect(twitterBilling(twitterCost()).refresh).toEqual({ maxAgeMs: 30 * 86_400_000, rotation: 10 });
    expect(twitterBilling(twitterCost({ metricsRefreshDays: 0, olderPostsPerSync: 0 })).refresh).toEqual({
      maxAgeMs: 0,
      rotation: 0,
    });
  });
});

describe('batching ids for GET /2/tweets', () => {
  it('at most 100 ids per request, in order, none lost', () => {
    const ids = Array.from({ length: 250 }, (_, i) => String(1_000 + i));
    const parts = batches(ids, LOOKUP_BATCH);
    expect(parts.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(parts.flat()).toEqual(ids);
    expect(batches([], LOOKUP_BATCH)).toEqual([]);
    expect(batches(['1'], LOOKUP_BATCH)).toEqual([['1']]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => batches(['1'], 0)).toThrow(RangeError);
    expect(() => batches(['1'], 1.5)).toThrow(RangeError);
  });
});
