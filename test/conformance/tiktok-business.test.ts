/**
 * TikTok API for Business conformance: the documented examples in test/fixtures/tiktok/business-*.json must be
 * mapped by the connector's business mapper and classified by its error rules, and the sandbox must answer the same
 * requests (its own consent, token, refresh, revoke and `/business/get/`) with the same keys and JSON types.
 * Schema coverage of these fixtures is checked with the other TikTok fixtures (tiktok.test.ts).
 */
import { classifyBusinessAnswer } from '../../src/platforms/tiktok/business/errors';
import { mapAudience, mapDaily } from '../../src/platforms/tiktok/business/mapper';
import { BusinessGetResponse, THROTTLE_WAIT_MS } from '../../src/platforms/tiktok/business/schemas';
import { Audience, DailyInsight } from '../../src/platforms/types';
import { startTikTok, type TikTokHarness } from '../sandbox/tiktok-harness';
import { fetchJson, fixtureBody, shapeDiff, type Json } from './support';

const P = 'tiktok';
const REDIRECT = 'http://127.0.0.1:9/oauth/tiktok/business/callback/';

describe('TikTok Business fixtures', () => {
  it('the mapper maps the documented account into valid daily insights and audience', () => {
    const account = BusinessGetResponse.parse(fixtureBody(P, 'business-get')).data;
    const daily = mapDaily(account.metrics ?? []).map((d) => DailyInsight.parse(d));
    expect(daily).toEqual([
      {
        date: '2026-11-30',
        metrics: {
          followers: 1510,
          profile_views: 31,
          video_views: 2411,
          likes: 190,
          comments: 12,
          shares: 4,
        },
      },
      // A documented 0 stays 0: it was returned.
      {
        date: '2026-12-01',
        metrics: { followers: 1520, profile_views: 0, video_views: 1800, likes: 140, comments: 9, shares: 3 },
      },
    ]);
    const { audience, reason } = mapAudience(account);
    expect(reason).toBeUndefined();
    expect(Audience.parse(audience)).toEqual({
      age: { '18-24': 0.41, '25-34': 0.59 },
      gender: { Female: 0.62, Male: 0.38 },
      country: { US: 0.7, GB: 0.3 },
      city: { 'Los Angeles': 0.25 },
    });
  });

  it('below 100 followers the audience is absent with the reason, never an empty or zero breakdown', () => {
    const account = BusinessGetResponse.parse(fixtureBody(P, 'business-get')).data;
    expect(mapAudience({ ...account, followers_count: 99 })).toEqual({ reason: 'fewer than 100 followers' });
  });

  it('the documented error envelopes classify as throttled (retry after five minutes) and token refresh', () => {
    const now = 1_000_000;
    const answer = (name: string) => ({
      endpoint: 'GET /open_api/v1.3/business/get/',
      status: 200,
      now,
      body: fixtureBody(P, name),
    });
    const throttled = classifyBusinessAnswer(answer('business-error-throttled'));
    expect(throttled).toMatchObject({
      kind: 'rate_limited',
      platformCode: 40100,
      retryAt: now + THROTTLE_WAIT_MS,
    });
    expect(classifyBusinessAnswer(answer('business-error-token'))).toMatchObject({
      kind: 'token_expired',
      platformCode: 40105,
    });
  });
});

describe('the sandbox answers like the documentation', () => {
  let h: TikTokHarness;
  const appId = () => h.env.TIKTOK_BUSINESS_APP_ID!;
  const secret = () => h.env.TIKTOK_BUSINESS_SECRET!;

  beforeAll(async () => {
    h = await startTikTok();
  });
  afterAll(async () => {
    await h.close();
  });

  const postJson = (path: string, body: unknown) =>
    fetchJson(new URL(path, h.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The consent page with the business app's App ID, then the code exchange: the raw token answer. */
  async function grant(): Promise<Record<string, Json>> {
    const url = new URL('/v2/auth/authorize/', h.url);
    url.searchParams.set('client_key', appId());
    url.searchParams.set('scope', 'user.info.basic,user.info.username,user.info.stats,user.insights');
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', REDIRECT);
    url.searchParams.set('state', 'st');
    const consent = await fetch(url, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const res = await postJson('/open_api/v1.3/tt_user/oauth2/token/', {
      client_id: appId(),
      client_secret: secret(),
      grant_type: 'authorization_code',
      auth_code: code,
      redirect_uri: REDIRECT,
    });
    expect(res.status).toBe(200);
    return res.json as Record<string, Json>;
  }

  it('token, refresh and revoke answer the documented envelopes', async () => {
    const token = await grant();
    expect(shapeDiff(fixtureBody(P, 'business-oauth-token'), token)).toEqual([]);
    const data = token.data as Record<string, string>;
    const refreshed = await postJson('/open_api/v1.3/tt_user/oauth2/refresh_token/', {
      client_id: appId(),
      client_secret: secret(),
      grant_type: 'refresh_token',
      refresh_token: data.refresh_token,
    });
    expect(shapeDiff(fixtureBody(P, 'business-oauth-refresh'), refreshed.json)).toEqual([]);
    const rotated = (refreshed.json as { data: Record<string, string> }).data;
    expect(rotated.refresh_token).not.toBe(data.refresh_token);
    // The spent refresh token is dead (rotation).
    const again = await postJson('/open_api/v1.3/tt_user/oauth2/refresh_token/', {
      client_id: appId(),
      client_secret: secret(),
      grant_type: 'refresh_token',
      refresh_token: data.refresh_token,
    });
    expect((again.json as { code: number }).code).not.toBe(0);
    const revoked = await postJson('/open_api/v1.3/tt_user/oauth2/revoke/', {
      client_id: appId(),
      client_secret: secret(),
      access_token: rotated.access_token,
    });
    expect(shapeDiff(fixtureBody(P, 'business-oauth-revoke'), revoked.json)).toEqual([]);
  });

  it('a code is single use and the redirect_uri must match', async () => {
    const url = new URL('/v2/auth/authorize/', h.url);
    for (const [k, v] of Object.entries({
      client_key: appId(),
      scope: 'user.insights',
      response_type: 'code',
      redirect_uri: REDIRECT,
      state: 's',
    }))
      url.searchParams.set(k, v);
    const code = new URL(
      (await fetch(url, { redirect: 'manual' })).headers.get('location')!,
    ).searchParams.get('code');
    const body = {
      client_id: appId(),
      client_secret: secret(),
      grant_type: 'authorization_code',
      auth_code: code,
    };
    const wrongUri = await postJson('/open_api/v1.3/tt_user/oauth2/token/', {
      ...body,
      redirect_uri: 'http://x.test/',
    });
    expect((wrongUri.json as { code: number }).code).toBe(40002);
    const reused = await postJson('/open_api/v1.3/tt_user/oauth2/token/', {
      ...body,
      redirect_uri: REDIRECT,
    });
    expect((reused.json as { code: number }).code).not.toBe(0);
  });

  it('business/get answers the documented shape; a bad token and throttling answer the documented errors', async () => {
    const data = (await grant()).data as Record<string, string>;
    const fields = JSON.stringify([
      'username',
      'display_name',
      'followers_count',
      'audience_ages',
      'audience_genders',
      'audience_countries',
      'audience_cities',
      'profile_views',
      'video_views',
      'likes',
      'comments',
      'shares',
    ]);
    const day = (offset: number) => new Date(h.clock.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const get = (token: string, query: Record<string, string>) => {
      const url = new URL('/open_api/v1.3/business/get/', h.url);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return fetchJson(url.toString(), { headers: { 'Access-Token': token } });
    };
    const query = { business_id: data.open_id!, fields, start_date: day(-2), end_date: day(-1) };
    const ok = await get(data.access_token!, query);
    expect(ok.status).toBe(200);
    expect(shapeDiff(fixtureBody(P, 'business-get'), ok.json)).toEqual([]);

    // Outside the 60-day look-back: refused, the connector must never ask.
    const old = await get(data.access_token!, { ...query, start_date: day(-61) });
    expect((old.json as { code: number }).code).toBe(40002);

    const bad = await get('act.not-a-token', query);
    expect(shapeDiff(fixtureBody(P, 'business-error-token'), bad.json)).toEqual([]);
    expect((bad.json as { code: number }).code).toBe(40105);

    // 40 calls per minute per account and endpoint (2 made above): the 41st is throttled.
    let last: Json = null;
    for (let i = 0; i < 38; i++) last = (await get(data.access_token!, query)).json;
    expect((last as { code: number }).code).toBe(0);
    const throttled = await get(data.access_token!, query);
    expect(shapeDiff(fixtureBody(P, 'business-error-throttled'), throttled.json)).toEqual([]);
    expect((throttled.json as { code: number }).code).toBe(40100);
  });
});
