/**
 * Contract tests of the Instagram sandbox over real HTTP: every endpoint, validated with the connector's zod
 * schemas, the platform's error shapes, rate limits, faults, the raw OAuth dance and the /_sandbox control API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createInstagramSandbox, type InstagramSandbox } from '../../src/sandbox/instagram';
import {
  InsightsResponse,
  LongLivedTokenResponse,
  MediaNode,
  MediaPage,
  MeResponse,
  MetaErrorBody,
  OAuthCodeErrorBody,
  ShortLivedTokenResponse,
} from '../../src/platforms/instagram/schemas';
import { verifySignature } from '../../src/platforms/instagram/webhook';
import { parseJsonLossless } from '../../src/platforms/http';

const HOUR = 3_600_000;
const REDIRECT = 'https://app.example/oauth/instagram/callback';
const SCOPE =
  'instagram_business_basic,instagram_business_manage_insights,instagram_business_manage_comments';
const NO_COMMENTS_SCOPE = 'instagram_business_basic,instagram_business_manage_insights';

let clock: SandboxClock;
let sandbox: InstagramSandbox;
let server: RunningServer;
let base: string;

beforeEach(async () => {
  // Frozen (tests move it with `advance`): metrics grow with sandbox time and must not move between two reads.
  const start = Date.now();
  clock = new SandboxClock(() => start);
  sandbox = createInstagramSandbox({ clock, seed: 7, autoApprove: true });
  server = await listen(sandbox.handler);
  base = server.url;
});
afterEach(() => server.close());

const proof = (token: string) =>
  createHmac('sha256', sandbox.credentials.clientSecret).update(token).digest('hex');

async function get(path: string, token?: string, withProof = true) {
  const url = new URL(base + path);
  if (token) {
    url.searchParams.set('access_token', token);
    if (withProof) url.searchParams.set('appsecret_proof', proof(token));
  }
  const res = await fetch(url);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? (parseJsonLossless(text) as unknown) : undefined,
  };
}

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function authorizeCode(scope = SCOPE): Promise<string> {
  const q = new URLSearchParams({
    client_id: sandbox.credentials.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope,
    state: 'st',
  });
  const res = await fetch(`${base}/oauth/authorize?${q}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.endsWith('#_')).toBe(true);
  return new URL(location).searchParams.get('code')!;
}

async function exchange(code: string, redirectUri = REDIRECT) {
  const res = await fetch(`${base}/oauth/access_token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: sandbox.credentials.clientId,
      client_secret: sandbox.credentials.clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: redirectUri,
      code,
    }),
  });
  return { status: res.status, json: parseJsonLossless(await res.text()) };
}

async function longLivedToken(scope = SCOPE): Promise<string> {
  const short = ShortLivedTokenResponse.parse((await exchange(await authorizeCode(scope))).json);
  const res = await get(
    `/access_token?grant_type=ig_exchange_token&client_secret=${sandbox.credentials.clientSecret}&access_token=${short.access_token}`,
  );
  return LongLivedTokenResponse.parse(res.json).access_token;
}

async function graph(method: string, path: string, token: string) {
  const url = new URL(base + path);
  url.searchParams.set('access_token', token);
  url.searchParams.set('appsecret_proof', proof(token));
  const res = await fetch(url, { method });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** `POST /me/subscribed_apps?subscribed_fields=comments,mentions` with the account's token. */
async function subscribeAccount(token: string) {
  return graph('POST', '/v23.0/me/subscribed_apps?subscribed_fields=comments,mentions', token);
}

function metaError(res: { status: number; json: unknown }) {
  return MetaErrorBody.parse(res.json).error;
}

describe('OAuth', () => {
  it('shows a consent screen, redirects with code+state+#_ on Allow and with the error on Cancel', async () => {
    const manual = createInstagramSandbox({ clock, seed: 7 });
    const srv = await listen(manual.handler);
    try {
      const q = new URLSearchParams({
        client_id: manual.credentials.clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: SCOPE,
        state: 'abc',
      });
      const page = await fetch(`${srv.url}/oauth/authorize?${q}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('Allow');
      expect(html).toContain('method="POST"');
      const submit = (decision: string) =>
        fetch(`${srv.url}/oauth/authorize`, {
          method: 'POST',
          body: new URLSearchParams({ ...Object.fromEntries(q), decision }),
          redirect: 'manual',
        });
      const allowed = new URL((await submit('allow')).headers.get('location')!);
      expect(allowed.origin + allowed.pathname).toBe(REDIRECT);
      expect(allowed.searchParams.get('state')).toBe('abc');
      expect(allowed.searchParams.get('code')).toMatch(/^AQ/);
      expect(allowed.hash).toBe('#_');
      const denied = new URL((await submit('deny')).headers.get('location')!);
      expect(Object.fromEntries(denied.searchParams)).toEqual({
        error: 'access_denied',
        error_reason: 'user_denied',
        error_description: 'The user denied your request.',
        state: 'abc',
      });
    } finally {
      await srv.close();
    }
  });

  it('rejects an unknown client or scope on the dialog', async () => {
    const bad = await fetch(
      `${base}/oauth/authorize?client_id=1&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=${SCOPE}`,
    );
    expect(bad.status).toBe(400);
    const scope = await fetch(
      `${base}/oauth/authorize?client_id=${sandbox.credentials.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=user_profile`,
    );
    expect(scope.status).toBe(400);
    expect(await scope.text()).toContain('Invalid Scopes');
  });

  it('codes are single use, bound to redirect_uri, valid 1 h; the answer is the data[] shape', async () => {
    const code = await authorizeCode();
    const wrongRedirect = await exchange(code, 'https://evil.example/cb');
    expect(wrongRedirect.status).toBe(400);
    expect(OAuthCodeErrorBody.parse(wrongRedirect.json).error_message).toContain('redirect_uri');
    const ok = await exchange(code);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({
      data: [
        {
          access_token: expect.stringMatching(/^IGAA/),
          // App-scoped: a different value from the professional account id of `/me?fields=user_id`.
          user_id: sandbox.appScopedId(sandbox.accountIds()[0]!),
          permissions: SCOPE,
        },
      ],
    });
    const reused = await exchange(code);
    expect(OAuthCodeErrorBody.parse(reused.json)).toEqual({
      error_type: 'OAuthException',
      code: 400,
      error_message: 'This authorization code has been used',
    });
    const late = await authorizeCode();
    clock.advance(HOUR);
    expect(OAuthCodeErrorBody.parse((await exchange(late)).json).error_message).toBe(
      'This authorization code has expired',
    );
    expect(OAuthCodeErrorBody.parse((await exchange(`${await authorizeCode()}#_`)).json).error_message).toBe(
      'Invalid authorization code',
    );
  });

  it('answers the older flat shape with a numeric user_id when asked', async () => {
    await control('PUT', '/app', { legacyTokenResponse: true });
    const res = await fetch(`${base}/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: sandbox.credentials.clientId,
        client_secret: sandbox.credentials.clientSecret,
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT,
        code: await authorizeCode(),
      }),
    });
    const text = await res.text();
    expect(text).toMatch(/"user_id":\d{17}\}$/);
    expect(ShortLivedTokenResponse.parse(parseJsonLossless(text)).user_id).toBe(
      sandbox.appScopedId(sandbox.accountIds()[0]!),
    );
  });

  it('short → long-lived (60 days), refresh only after 24 h, rotation, expiry and revocation', async () => {
    const code = await authorizeCode();
    const short = ShortLivedTokenResponse.parse((await exchange(code)).json);
    const wrongSecret = await get(
      `/access_token?grant_type=ig_exchange_token&client_secret=nope&access_token=${short.access_token}`,
    );
    expect(metaError(wrongSecret).message).toBe('Error validating client secret.');
    const long = LongLivedTokenResponse.parse(
      (
        await get(
          `/access_token?grant_type=ig_exchange_token&client_secret=${sandbox.credentials.clientSecret}&access_token=${short.access_token}`,
        )
      ).json,
    );
    expect(long).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 5183944 });

    const young = await get(
      `/refresh_access_token?grant_type=ig_refresh_token&access_token=${long.access_token}`,
    );
    expect(young.status).toBe(400);
    clock.advance(25 * HOUR);
    const refreshed = LongLivedTokenResponse.parse(
      (await get(`/refresh_access_token?grant_type=ig_refresh_token&access_token=${long.access_token}`)).json,
    );
    expect(refreshed.access_token).not.toBe(long.access_token);
    const old = await get('/me', long.access_token);
    expect(metaError(old)).toMatchObject({ code: 190, error_subcode: 467, type: 'OAuthException' });
    expect((await get('/me', refreshed.access_token)).status).toBe(200);

    const accountId = sandbox.accountIds()[0]!;
    expect((await control('POST', `/accounts/${accountId}/expire-tokens`)).json).toEqual({
      expired: expect.any(Number),
    });
    const expired = await get('/me', refreshed.access_token);
    expect(expired.status).toBe(400);
    expect(metaError(expired)).toMatchObject({ code: 190, error_subcode: 463 });
    expect(expired.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');

    const fresh = await longLivedToken();
    await control('POST', `/accounts/${accountId}/revoke`);
    expect(metaError(await get('/me', fresh))).toMatchObject({ code: 190, error_subcode: 458 });
    expect(metaError(await get('/me', 'garbage'))).toMatchObject({
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
    });
    expect(metaError(await get('/me'))).toMatchObject({ code: 2500 });
    // A new consent works again.
    expect((await get('/me', await longLivedToken())).status).toBe(200);
  });
});

describe('Graph data endpoints', () => {
  let token: string;
  let accountId: string;
  beforeEach(async () => {
    token = await longLivedToken();
    accountId = sandbox.accountIds()[0]!;
  });

  it('GET /me honours fields, versioned and unversioned', async () => {
    const fields =
      'user_id,username,name,profile_picture_url,followers_count,follows_count,media_count,account_type';
    for (const prefix of ['', '/v23.0']) {
      const res = await get(`${prefix}/me?fields=${fields}`, token);
      expect(res.status).toBe(200);
      const me = MeResponse.parse(res.json);
      expect(me.user_id).toBe(accountId);
      expect(Object.keys(res.json as object).sort()).toEqual(
        fields
          .split(',')
          .filter((f) => f !== 'name' || me.name !== undefined)
          .sort(),
      );
    }
    // `id` is the app-scoped id; only `user_id` is the professional account id.
    expect(res200(await get('/me', token))).toEqual({ id: sandbox.appScopedId(accountId) });
    expect(sandbox.appScopedId(accountId)).not.toBe(accountId);
    expect(metaError(await get(`/${sandbox.appScopedId(accountId)}/media`, token))).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    expect(metaError(await get('/me?fields=username,bogus', token)).message).toBe(
      '(#100) Tried accessing nonexisting field (bogus) on node type (User)',
    );
    expect(res200(await get(`/${accountId}?fields=username`, token))).toEqual({
      username: sandbox.groundTruth(accountId).profile.username,
    });
  });

  it('pages the media edge by cursors until next is absent, with inline insights', async () => {
    const fields = 'id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count';
    const seen: string[] = [];
    let path: string | undefined = `/v23.0/${accountId}/media?fields=${fields}&limit=100`;
    let pages = 0;
    while (path) {
      const res = await get(path, token);
      const page = MediaPage.parse(res.json);
      pages += 1;
      seen.push(...page.data.map((m) => m.id));
      for (const raw of (res.json as { data: Record<string, unknown>[] }).data) {
        expect(Object.keys(raw).every((k) => fields.split(',').includes(k))).toBe(true);
        expect(raw).not.toHaveProperty('insights');
      }
      expect(page.paging?.cursors?.after).toBeDefined();
      // `next` is a full URL carrying the same parameters (token and proof included).
      path = page.paging?.next
        ? page.paging.next.replace(base, '').replace(/&access_token=[^&]+|&appsecret_proof=[^&]+/g, '')
        : undefined;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(sandbox.groundTruth(accountId).items.posts!.map((i) => i.id));

    const withInsights = await get(
      `/${accountId}/media?fields=id,insights.metric(reach,saved,shares,views)&limit=5`,
      token,
    );
    const page = MediaPage.parse(withInsights.json);
    expect(page.data[0]!.insights!.data.map((d) => d.name)).toEqual(['reach', 'saved', 'shares', 'views']);
    expect(page.data[0]!.insights!.data[0]!.period).toBe('lifetime');
  });

  it('validates metrics per media type: dead or type-invalid metrics fail the whole request', async () => {
    const posts = sandbox.groundTruth(accountId).items.posts!;
    const feed = posts.find(
      (p) => p.attributes?.mediaProductType === 'FEED' && p.metrics.reach !== undefined,
    )!;
    const reel = posts.find(
      (p) => p.attributes?.mediaProductType === 'REELS' && p.metrics.reach !== undefined,
    )!;
    const dead = await get(`/${feed.id}/insights?metric=reach,impressions`, token);
    expect(metaError(dead)).toMatchObject({ code: 100 });
    expect(metaError(dead).message).toContain('impressions');
    expect(metaError(await get(`/${reel.id}/insights?metric=reach,follows`, token)).message).toContain(
      'does not support the follows metric',
    );
    const ok = InsightsResponse.parse(
      (await get(`/${reel.id}/insights?metric=reach,ig_reels_avg_watch_time`, token)).json,
    );
    expect(ok.data.map((d) => d.name)).toEqual(['reach', 'ig_reels_avg_watch_time']);
    // A FEED-only metric on a page that holds reels fails the page.
    const mixed = await get(`/${accountId}/media?fields=id,insights.metric(reach,follows)&limit=20`, token);
    expect(metaError(mixed).code).toBe(100);
    // Media posted before the professional conversion have no insights.
    const legacy = posts.find((p) => p.metrics.reach === undefined)!;
    expect(metaError(await get(`/${legacy.id}/insights?metric=reach`, token)).message).toBe(
      '(#10) Media Posted Before Business Account Conversion',
    );
    const node = MediaNode.parse(res200(await get(`/${legacy.id}?fields=id,like_count,caption`, token)));
    expect(node.like_count).toBe(legacy.metrics.likes);
    expect(metaError(await get('/123456?fields=id', token))).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('serves stories of the last 24 h, refuses insights under 5 viewers, and forgets them after 24 h', async () => {
    const stories = MediaPage.parse(
      res200(await get(`/${accountId}/stories?fields=id,media_type,media_product_type,timestamp`, token)),
    );
    const truth = sandbox.groundTruth(accountId).items.stories!;
    expect(stories.data.map((s) => s.id)).toEqual(truth.map((s) => s.id));
    expect(stories.data.every((s) => s.media_product_type === 'STORY')).toBe(true);
    const tiny = sandbox.addItem(accountId, { kind: 'stories', metrics: { reach: 3 } });
    expect(metaError(await get(`/${tiny.id}/insights?metric=reach`, token)).message).toContain(
      'Not enough viewers',
    );
    const big = sandbox.addItem(accountId, { kind: 'stories', metrics: { reach: 50, navigation: 40 } });
    const nav = InsightsResponse.parse(
      res200(
        await get(`/${big.id}/insights?metric=navigation&breakdown=story_navigation_action_type`, token),
      ),
    );
    expect(nav.data[0]!.total_value!.value).toBe(40);
    expect(nav.data[0]!.total_value!.breakdowns![0]!.results.map((r) => r.dimension_values[0])).toEqual([
      'tap_forward',
      'tap_back',
      'tap_exit',
      'swipe_forward',
    ]);
    expect(metaError(await get(`/${big.id}/insights?metric=saved`, token)).code).toBe(100);
    clock.advance(24 * HOUR + 1);
    expect(metaError(await get(`/${big.id}/insights?metric=reach`, token))).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    const after = MediaPage.parse(res200(await get(`/${accountId}/stories`, token)));
    expect(after.data.map((s) => s.id)).not.toContain(big.id);
  });

  it('account insights: total_value and time_series, empty data instead of zeros, impressions refused', async () => {
    const now = Math.floor(clock.now() / 1000);
    const day = 86_400;
    const since = Math.floor((now - 10 * day) / day) * day;
    const metrics =
      'reach,views,accounts_engaged,total_interactions,likes,comments,saves,shares,replies,follows_and_unfollows,profile_links_taps';
    const total = InsightsResponse.parse(
      res200(
        await get(
          `/${accountId}/insights?metric=${metrics}&period=day&metric_type=total_value&since=${since}&until=${since + day}`,
          token,
        ),
      ),
    );
    expect(total.data.map((d) => d.name)).toEqual(metrics.split(','));
    const date = new Date(since * 1000).toISOString().slice(0, 10);
    const truthDay = sandbox.groundTruth(accountId).daily!.find((d) => d.date === date)!;
    expect(Object.fromEntries(total.data.map((d) => [d.name, d.total_value!.value]))).toEqual(
      truthDay.metrics,
    );
    // Within the 48 h lag there is no data: an empty set, not zeros.
    expect(
      res200(
        await get(
          `/${accountId}/insights?metric=reach&period=day&metric_type=total_value&since=${now - day}&until=${now}`,
          token,
        ),
      ),
    ).toEqual({ data: [] });
    const series = InsightsResponse.parse(
      res200(
        await get(
          `/${accountId}/insights?metric=reach&period=day&metric_type=time_series&since=${since}&until=${since + 3 * day}`,
          token,
        ),
      ),
    );
    expect(series.data[0]!.values).toHaveLength(3);
    expect(
      metaError(
        await get(
          `/${accountId}/insights?metric=views&period=day&since=${since}&until=${since + day}`,
          token,
        ),
      ).message,
    ).toContain('metric_type=total_value');
    expect(
      metaError(
        await get(`/${accountId}/insights?metric=impressions&period=day&metric_type=total_value`, token),
      ).message,
    ).toContain('impressions');
    expect(
      metaError(
        await get(
          `/${accountId}/insights?metric=reach&period=day&metric_type=total_value&since=${since - 40 * day}&until=${since}`,
          token,
        ),
      ).message,
    ).toContain('30 days');
  });

  it('demographics: breakdowns, top 45, and refused under 100 followers', async () => {
    const res = InsightsResponse.parse(
      res200(
        await get(
          `/${accountId}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value&breakdown=city&timeframe=this_month`,
          token,
        ),
      ),
    );
    const results = res.data[0]!.total_value!.breakdowns![0]!.results;
    expect(results).toHaveLength(45);
    expect(results[0]!.value).toBeGreaterThanOrEqual(results[44]!.value);
    const small = sandbox.accountIds()[2]!;
    sandbox.login(small);
    const smallToken = await longLivedToken();
    const refused = await get(
      `/${small}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value&breakdown=age`,
      smallToken,
    );
    expect(metaError(refused).code).toBe(10);
    // Another user's id is not readable with this token.
    expect(metaError(await get(`/${accountId}/media`, smallToken))).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
  });

  it('appsecret_proof: required by default, wrong proof rejected, optional when the app allows', async () => {
    expect(metaError(await get('/me', token, false)).message).toBe(
      'API calls from the server require an appsecret_proof argument',
    );
    const wrong = await fetch(`${base}/me?access_token=${token}&appsecret_proof=${'0'.repeat(64)}`);
    expect(MetaErrorBody.parse(await wrong.json()).error).toMatchObject({
      code: 100,
      type: 'GraphMethodException',
      message: 'Invalid appsecret_proof provided in the API argument',
    });
    await control('PUT', '/app', { requireProof: false });
    expect((await get('/me', token, false)).status).toBe(200);
    // Bearer header works as well as the query parameter.
    const bearer = await fetch(`${base}/me?appsecret_proof=${proof(token)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('rate limits per user (code 17) and per app (code 4) with usage headers', async () => {
    await control('PUT', '/limits', { perUser: 3 });
    for (let i = 0; i < 3; i++) expect((await get('/me', token)).status).toBe(200);
    const limited = await get('/me', token);
    expect(limited.status).toBe(400);
    expect(metaError(limited)).toMatchObject({ code: 17, message: '(#17) User request limit reached' });
    const buc = JSON.parse(limited.headers.get('x-business-use-case-usage')!);
    expect(buc[accountId][0]).toMatchObject({
      type: 'instagram',
      call_count: 100,
      estimated_time_to_regain_access: 60,
    });
    expect(JSON.parse(limited.headers.get('x-app-usage')!)).toHaveProperty('call_count');
    const { json } = await control(
      'GET',
      `/requests?endpoint=${encodeURIComponent('GET /me')}&user=${accountId}`,
    );
    expect(json.requests.map((r: { whileRateLimited: boolean }) => r.whileRateLimited)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    clock.advance(HOUR);
    expect((await get('/me', token)).status).toBe(200);
    await control('PUT', '/limits', { perUser: 200, perApp: 1 });
    const app = await get('/me', token);
    expect(app.status).toBe(403);
    expect(metaError(app).code).toBe(4);
  });

  it('renders injected faults in Meta format: 5xx, throttle storms, resets, timeouts, latency', async () => {
    const add = async (rule: object) => (await control('POST', '/faults', rule)).json.id as number;
    await add({ endpoint: 'GET /me', status: 503, times: 1 });
    const outage = await get('/me', token);
    expect(outage.status).toBe(503);
    expect(metaError(outage)).toMatchObject({ code: 2, is_transient: true });
    await add({ endpoint: 'GET /{ig-user-id}/media', rateLimit: true, retryAfterSeconds: 600, times: 1 });
    const storm = await get(`/${accountId}/media`, token);
    expect(storm.status).toBe(429);
    expect(metaError(storm).code).toBe(80002);
    expect(
      JSON.parse(storm.headers.get('x-business-use-case-usage')!)[accountId][0]
        .estimated_time_to_regain_access,
    ).toBe(10);
    await add({ endpoint: 'GET /me', reset: true, times: 1 });
    await expect(fetch(`${base}/me`)).rejects.toThrow();
    await add({ endpoint: 'GET /me', timeout: true, times: 1 });
    await expect(fetch(`${base}/me`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await add({ endpoint: 'GET /me', latencyMs: 150, times: 1 });
    const started = Date.now();
    expect((await get('/me', token)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await control('GET', '/faults')).json.faults).toEqual([]);
    await add({ endpoint: '*', status: 500 });
    expect((await control('DELETE', '/faults')).status).toBe(204);
    expect((await get('/me', token)).status).toBe(200);
  });
});

describe('control API', () => {
  it('requests, clock, accounts, login, items, profile and ground truth', async () => {
    const token = await longLivedToken();
    await get('/me', token);
    const log = await control('GET', '/requests');
    expect(log.json.stats.byEndpoint).toMatchObject({
      'GET /oauth/authorize': 1,
      'POST /oauth/access_token': 1,
      'GET /access_token': 1,
      'GET /me': 1,
    });
    const exchangeEntry = log.json.requests.find(
      (r: { endpoint: string }) => r.endpoint === 'POST /oauth/access_token',
    );
    expect(exchangeEntry.body).toContain('grant_type=authorization_code');
    expect((await control('DELETE', '/requests')).status).toBe(204);
    expect((await control('GET', '/requests')).json.requests).toEqual([]);

    const before = (await control('GET', '/clock')).json.now;
    expect((await control('POST', '/clock/advance', { ms: HOUR })).json.now).toBeGreaterThanOrEqual(
      before + HOUR,
    );

    const created = await control('POST', '/accounts', { items: 12, followers: 500 });
    const id = created.json.accountId;
    expect(
      (await control('GET', '/accounts')).json.accounts.map((a: { accountId: string }) => a.accountId),
    ).toContain(id);
    expect((await control('POST', '/login', { accountId: id })).status).toBe(200);
    const theirs = await longLivedToken();
    expect(
      MeResponse.parse(res200(await get('/me?fields=user_id,followers_count,media_count', theirs))),
    ).toEqual({ user_id: id, followers_count: 500, media_count: 12 });

    const item = await control('POST', `/accounts/${id}/items`, {
      text: 'hello',
      metrics: { likes: 5, reach: 40 },
    });
    expect(item.status).toBe(201);
    expect(item.json).toMatchObject({ kind: 'posts', text: 'hello', metrics: { likes: 5, reach: 40 } });
    const patched = await control('PATCH', `/accounts/${id}/items/${item.json.id}`, {
      text: 'edited',
      metrics: { views: 99 },
    });
    expect(patched.json).toMatchObject({ text: 'edited', metrics: { views: 99, likes: 5 } });
    expect((await control('DELETE', `/accounts/${id}/items/${item.json.id}`)).status).toBe(204);
    expect(metaError(await get(`/${item.json.id}?fields=id`, theirs)).error_subcode).toBe(33);
    expect((await control('DELETE', `/accounts/${id}/items/nope`)).status).toBe(404);

    const profile = await control('PATCH', `/accounts/${id}/profile`, {
      displayName: 'Renamed',
      followers: 1234,
    });
    expect(profile.json).toMatchObject({ displayName: 'Renamed', followers: 1234 });
    const truth = (await control('GET', `/ground-truth/${id}`)).json;
    expect(truth.profile).toEqual({ ...profile.json, postCount: 12 });
    expect(truth.items.posts).toHaveLength(12);
  });

  it('webhooks: handshake on subscribe, signed comment deliveries, redelivery', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let failNext = true;
    const receiver = await listen((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'GET') {
        const ok = url.searchParams.get('hub.verify_token') === sandbox.credentials.webhookVerifyToken;
        res.statusCode = ok ? 200 : 403;
        return res.end(ok ? url.searchParams.get('hub.challenge') : 'no');
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.statusCode = failNext ? 500 : 200;
        failNext = false;
        res.end();
      });
    });
    try {
      const badUrl = await control('POST', '/webhooks/subscribe', { url: `${base}/nowhere` });
      expect(badUrl.status).toBe(400);
      expect(
        (await control('POST', '/webhooks/subscribe', { url: `${receiver.url}/webhooks/instagram` })).status,
      ).toBe(200);
      const accountId = sandbox.accountIds()[0]!;
      const post = sandbox.groundTruth(accountId).items.posts![0]!;
      await subscribeAccount(await longLivedToken());
      const sent = await control('POST', '/webhooks/send', { accountId, mediaId: post.id, text: 'love it' });
      expect(sent.json.deliveries[0].status).toBe(500);
      const body = JSON.parse(received[0]!.body);
      expect(body).toMatchObject({
        object: 'instagram',
        entry: [
          {
            id: accountId,
            changes: [
              {
                field: 'comments',
                value: {
                  text: 'love it',
                  media: { id: post.id, media_product_type: post.attributes!.mediaProductType },
                },
              },
            ],
          },
        ],
      });
      expect(
        verifySignature(
          Buffer.from(received[0]!.body),
          received[0]!.headers['x-hub-signature-256'] as string,
          sandbox.credentials.clientSecret,
        ),
      ).toBe(true);
      const redelivered = await control('POST', '/webhooks/redeliver');
      expect(redelivered.json.deliveries[0]).toMatchObject({ status: 200, attempts: 2 });
      expect(received[1]!.body).toBe(received[0]!.body);
      // More comments on a post emit comments webhooks, as the platform does.
      await control('PATCH', `/accounts/${accountId}/items/${post.id}`, {
        metrics: { comments: post.metrics.comments! + 2 },
      });
      expect(received).toHaveLength(3);
      expect(JSON.parse(received[2]!.body).entry[0].changes).toHaveLength(2);
      expect((await control('GET', '/webhooks')).json.deliveries).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });
});

function res200(res: { status: number; json: unknown; text: string }): unknown {
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${res.text}`);
  return res.json;
}

describe('webhook subscriptions per account (subscribed_apps)', () => {
  let receiver: RunningServer;
  let received: string[];
  beforeEach(async () => {
    received = [];
    receiver = await listen((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'GET') return res.end(url.searchParams.get('hub.challenge'));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks).toString());
        res.end();
      });
    });
    await sandbox.subscribeWebhook(`${receiver.url}/webhooks/instagram`);
  });
  afterEach(() => receiver.close());

  it('POST subscribes, GET lists, DELETE removes; deliveries only while subscribed, entry.id = professional id', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const token = await longLivedToken();
    const post = sandbox.groundTruth(accountId).items.posts![0]!;
    expect(await sandbox.sendWebhook({ accountId, mediaId: post.id })).toEqual([]);
    expect(res200(await graph('GET', `/${accountId}/subscribed_apps`, token))).toEqual({ data: [] });

    expect(res200(await subscribeAccount(token))).toEqual({ success: true });
    expect(res200(await graph('GET', `/v23.0/${accountId}/subscribed_apps`, token))).toEqual({
      data: [
        {
          id: sandbox.credentials.clientId,
          name: expect.any(String),
          subscribed_fields: ['comments', 'mentions'],
        },
      ],
    });
    const [delivery] = await sandbox.sendWebhook({ accountId, mediaId: post.id });
    expect(delivery!.status).toBe(200);
    expect(JSON.parse(received[0]!).entry[0].id).toBe(accountId);
    // Another account of the same app, never subscribed, gets nothing.
    const other = sandbox.accountIds()[1]!;
    expect(await sandbox.sendWebhook({ accountId: other })).toEqual([]);

    expect(res200(await graph('DELETE', `/${accountId}/subscribed_apps`, token))).toEqual({ success: true });
    expect(sandbox.subscribedFields(accountId)).toEqual([]);
    expect(await sandbox.sendWebhook({ accountId, mediaId: post.id })).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it('a form-body POST works too; the app removed by the user drops the subscription', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const token = await longLivedToken();
    const res = await fetch(`${base}/${accountId}/subscribed_apps`, {
      method: 'POST',
      body: new URLSearchParams({
        subscribed_fields: 'comments',
        access_token: token,
        appsecret_proof: proof(token),
      }),
    });
    expect(res.status).toBe(200);
    expect(sandbox.subscribedFields(accountId)).toEqual(['comments']);
    sandbox.revoke(accountId);
    expect(sandbox.subscribedFields(accountId)).toEqual([]);
  });

  it('refuses comments without instagram_business_manage_comments (#200), unknown fields and no fields (#100)', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const narrow = await longLivedToken(NO_COMMENTS_SCOPE);
    const denied = await subscribeAccount(narrow);
    expect(denied.status).toBe(403);
    expect(metaError(denied)).toMatchObject({
      code: 200,
      type: 'OAuthException',
      message: '(#200) Requires instagram_business_manage_comments permission to manage the object',
    });
    expect(sandbox.subscribedFields(accountId)).toEqual([]);
    const token = await longLivedToken();
    expect(
      metaError(await graph('POST', '/me/subscribed_apps?subscribed_fields=comments,likes', token)),
    ).toMatchObject({
      code: 100,
      message: expect.stringContaining('subscribed_fields[1]'),
    });
    expect(metaError(await graph('POST', '/me/subscribed_apps', token)).code).toBe(100);
    // Other edges stay read-only.
    expect(metaError(await graph('POST', '/me/media', token)).code).toBe(100);
    expect(sandbox.subscribedFields(accountId)).toEqual([]);
  });
});

describe('refusals (a metric, breakdown or edge unavailable for an account)', () => {
  it('answer the real error bodies for the refused part only, through the control API too', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const token = await longLivedToken();
    const day = Math.floor(clock.now() / 86_400_000) * 86_400 - 5 * 86_400;
    const insights = (metric: string) =>
      get(
        `/${accountId}/insights?metric=${metric}&period=day&metric_type=total_value&since=${day}&until=${day + 86_400}`,
        token,
      );
    expect((await control('POST', '/refusals', { accountId, metric: 'reach' })).status).toBe(201);
    const refused = await insights('reach,views');
    expect(refused.status).toBe(400);
    expect(metaError(refused)).toMatchObject({ code: 100, type: 'OAuthException' });
    expect(metaError(refused).message).toMatch(
      /^\(#100\) metric\[0\] must be one of the following values: views,/,
    );
    expect(res200(await insights('views'))).toMatchObject({ data: [{ name: 'views' }] });

    expect((await control('POST', '/refusals', { breakdown: 'age' })).status).toBe(201);
    const demographics = (breakdown: string) =>
      get(
        `/${accountId}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value&breakdown=${breakdown}`,
        token,
      );
    expect(metaError(await demographics('age'))).toMatchObject({ code: 10, error_subcode: 2108006 });
    expect((await demographics('gender')).status).toBe(200);

    sandbox.refuse({ accountId, edge: 'stories', error: 'not_enough_viewers' });
    expect(metaError(await get(`/${accountId}/stories`, token))).toMatchObject({
      code: 10,
      message: '(#10) Not enough viewers for the media to show insights.',
    });
    expect((await get(`/${accountId}/media`, token)).status).toBe(200);
    expect((await control('POST', '/refusals', {})).status).toBe(400);

    expect((await control('DELETE', '/refusals')).status).toBe(204);
    expect((await insights('reach')).status).toBe(200);
    expect((await get(`/${accountId}/stories`, token)).status).toBe(200);
  });
});

describe('independence from the connector', () => {
  it('imports nothing from src/platforms, and control.ts does not import index.ts (no cycle)', () => {
    const dir = join(__dirname, '../../src/sandbox/instagram');
    const imports = (file: string) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(/^import[^;]*?from '([^']+)';/gms)].map(
        (m) => m[1]!,
      );
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      expect({ file, platforms: imports(file).filter((i) => i.includes('platforms')) }).toEqual({
        file,
        platforms: [],
      });
    }
    expect(imports('control.ts')).not.toContain('./index');
  });
});
