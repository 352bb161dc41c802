import { PlatformError } from '../../errors';
import { businessClassifier, businessOAuthClassifier } from './errors';
import { businessDateRange } from './index';
import { mapAudience, mapDaily } from './mapper';
import { THROTTLE_WAIT_MS } from './schemas';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const DAY = 86_400_000;
const answer = (body: unknown, status = 200) => ({
  endpoint: 'GET /open_api/v1.3/business/get/',
  status,
  body,
  now: NOW,
});

describe('businessDateRange', () => {
  it('asks for [since, until) as inclusive UTC dates', () => {
    expect(
      businessDateRange(
        { since: new Date('2026-11-30T05:00:00Z'), until: new Date('2026-12-03T12:00:00Z') },
        NOW,
      ),
    ).toEqual({ startDate: '2026-11-30', endDate: '2026-12-03' });
  });

  it('never reaches back more than 60 days, nor past today, nor gives an empty range', () => {
    expect(
      businessDateRange({ since: new Date(NOW - 400 * DAY), until: new Date(NOW + 5 * DAY) }, NOW),
    ).toEqual({
      startDate: '2026-10-04',
      endDate: '2026-12-03',
    });
    expect(businessDateRange({ since: new Date(NOW), until: new Date(NOW) }, NOW)).toEqual({
      startDate: '2026-12-03',
      endDate: '2026-12-03',
    });
  });
});

describe('business mapper', () => {
  it('keeps only returned values, sorted by day; a day with none is dropped', () => {
    expect(
      mapDaily([
        { date: '2026-12-02', video_views: 5 },
        { date: '2026-12-01', followers_count: 100, likes: 0 },
        { date: '2026-11-30' },
      ]),
    ).toEqual([
      { date: '2026-12-01', metrics: { followers: 100, likes: 0 } },
      { date: '2026-12-02', metrics: { video_views: 5 } },
    ]);
  });

  it('gives the reason when there is no audience: fewer than 100 followers, or nothing returned', () => {
    expect(
      mapAudience({ followers_count: 99, audience_genders: [{ gender: 'Male', percentage: 1 }] }),
    ).toEqual({
      reason: 'fewer than 100 followers',
    });
    expect(mapAudience({ followers_count: 100, audience_ages: [] }).reason).toMatch(/no audience data/);
    expect(mapAudience({ audience_cities: [{ city: 'Oslo', percentage: 1 }] })).toEqual({
      audience: { city: { Oslo: 1 } },
    });
  });
});

describe('business error classification', () => {
  it('code 0 is success whatever else; HTTP 200 with a non-zero code is a failure', () => {
    expect(businessClassifier(answer({ code: 0, message: 'OK', request_id: 'r', data: {} }))).toBeUndefined();
    expect(businessClassifier(answer({ code: 40002, message: 'bad', request_id: 'r' }))).toMatchObject({
      kind: 'permanent',
      platformCode: 40002,
    });
  });

  it('40100 is throttling with a five-minute wait; token codes refresh; 5xxxx and HTTP 5xx are transient', () => {
    expect(businessClassifier(answer({ code: 40100, message: 'slow down', request_id: 'r' }))).toMatchObject({
      kind: 'rate_limited',
      retryAt: NOW + THROTTLE_WAIT_MS,
    });
    for (const code of [40102, 40104, 40105])
      expect(businessClassifier(answer({ code, message: 'x', request_id: 'r' }))?.kind).toBe('token_expired');
    expect(businessClassifier(answer({ code: 50000, message: 'x', request_id: 'r' }))?.kind).toBe(
      'transient',
    );
    expect(businessClassifier(answer('<html>bad gateway</html>', 502))?.kind).toBe('transient');
  });

  it('a refused refresh needs a new consent; a refused code or revocation is final; throttling stays retryable', () => {
    const refused = { code: 40105, message: 'revoked', request_id: 'r' };
    expect(businessOAuthClassifier('refresh_token')(answer(refused))?.kind).toBe('reauth_required');
    expect(businessOAuthClassifier('authorization_code')(answer(refused))?.kind).toBe('permanent');
    expect(businessOAuthClassifier('revoke')(answer(refused))?.kind).toBe('permanent');
    const throttled = businessOAuthClassifier('refresh_token')(
      answer({ code: 40100, message: 'x', request_id: 'r' }),
    );
    expect(throttled).toBeInstanceOf(PlatformError);
    expect(throttled?.kind).toBe('rate_limited');
  });
});
