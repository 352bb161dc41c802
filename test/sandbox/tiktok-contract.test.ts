/**
 * Contract of the TikTok sandbox over real HTTP: every endpoint answers in the shapes of platform-api-notes.md
 * (validated with the connector's own zod schemas), with TikTok's errors, limits, paging quirks and faults.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  ApiErrorResponse,
  OAuthErrorResponse,
  TokenResponse,
  UserInfoResponse,
  VideoListResponse,
  VideoQueryResponse,
  WebhookBody,
} from '../../src/platforms/tiktok/schemas';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { createTikTokSandbox } from '../../src/sandbox/tiktok';
import {
  ALL_SCOPES,
  REDIRECT_URI,
  VIDEO_FIELDS_QS,
  api,
  authorizeCode,
  connect,
  control,
  postForm,
  startReceiver,
  startTikTok,
  type TikTokHarness,
} from './tiktok-harness';

const USER_FIELDS =
  'open_id,union_id,avatar_url,display_name,username,follower_count,following_count,likes_count,video_count';

let h: TikTokHarness;
beforeEach(async () => {
  h = await startTikTok();
});
afterEach(async () => {
  await h.close();
});

function expectApiError(res: Awaited<ReturnType<typeof api>>, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = ApiErrorResponse.parse(res.json);
  expect(body.error.code).toBe(code);
  expect(body.error.log_id).toMatch(/^\d{14}[0-9A-F]{20}$/);
}

async function allPages(token: string, maxCount = 20) {
  const pages: VideoListResponse['data'][] = [];
  let cursor: number | undefined;
  for (;;) {
    const res = await api(
      h,
      token,
      `/v2/video/list/?fields=${VIDEO_FIELDS_QS}`,
      cursor === undefined ? { max_count: maxCount } : { cursor, max_count: maxCount },
    );
    expect(res.status).toBe(200);
    const page = VideoListResponse.parse(res.json).data;
    pages.push(page);
    if (!page.has_more) return pages;
    cursor = page.cursor;
  }
}

describe('Login Kit', () => {
  it('shows a consent page; Allow redirects with code+state, Cancel with access_denied', async () => {
    const manual = await startTikTok({ autoApprove: false });
    try {
      const q = new URLSearchParams({
        client_key: manual.clientKey,
        scope: ALL_SCOPES,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        state: 'abc',
      });
      const page = await fetch(`${manual.url}/v2/auth/authorize/?${q}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('Allow');
      expect(html).toContain('<form method="POST" action="/v2/auth/authorize/">');

      const allow = await fetch(`${manual.url}/v2/auth/authorize/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `${q}&decision=allow`,
      });
      expect(allow.status).toBe(302);
      const ok = new URL(allow.headers.get('location')!);
      expect(`${ok.origin}${ok.pathname}`).toBe(REDIRECT_URI);
      expect(ok.searchParams.get('state')).toBe('abc');
      expect(ok.searchParams.get('code')).toMatch(/\*0!/); // must be URL-decoded by the client

      const deny = await fetch(`${manual.url}/v2/auth/authorize/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `${q}&decision=deny`,
      });
      const denied = new URL(deny.headers.get('location')!);
      expect(denied.searchParams.get('error')).toBe('access_denied');
      expect(denied.searchParams.get('state')).toBe('abc');
      expect(denied.searchParams.has('code')).toBe(false);
    } finally {
      await manual.close();
    }
  });

  it('refuses an unknown client_key on its own page and an unknown scope by error redirect', async () => {
    const bad = await fetch(
      `${h.url}/v2/auth/authorize/?client_key=nope&scope=video.list&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s`,
      {
        redirect: 'manual',
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
    const scope = await fetch(
      `${h.url}/v2/auth/authorize/?client_key=${h.clientKey}&scope=video.upload&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s`,
      { redirect: 'manual' },
    );
    expect(scope.status).toBe(302);
    expect(new URL(scope.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('full dance: code → tokens → refresh rotates → old refresh dies → revoke kills the grant', async () => {
    const tokens = TokenResponse.parse(await connect(h));
    expect(tokens).toMatchObject({
      expires_in: 86400,
      refresh_expires_in: 31536000,
      token_type: 'Bearer',
      scope: ALL_SCOPES,
    });
    expect(tokens.access_token).toMatch(/^act\./);
    expect(tokens.refresh_token).toMatch(/^rft\./);
    expect(tokens.open_id).toBe(h.sandbox.accountIds()[0]);

    const refresh = (refresh_token: string) =>
      postForm(h, '/v2/oauth/token/', {
        client_key: h.clientKey,
        client_secret: h.clientSecret,
        grant_type: 'refresh_token',
        refresh_token,
      });
    const r1 = await refresh(tokens.refresh_token);
    expect(r1.status).toBe(200);
    const rotated = TokenResponse.parse(await r1.json());
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.access_token).not.toBe(tokens.access_token);
    expect(rotated.refresh_expires_in).toBeLessThanOrEqual(31536000);

    const reused = await refresh(tokens.refresh_token);
    expect(reused.status).toBe(400);
    expect(OAuthErrorResponse.parse(await reused.json()).error).toBe('invalid_grant');

    const revoked = await postForm(h, '/v2/oauth/revoke/', {
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      token: rotated.access_token,
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({});
    expectApiError(
      await api(h, rotated.access_token, `/v2/user/info/?fields=open_id`),
      401,
      'access_token_invalid',
    );
    expect((await refresh(rotated.refresh_token)).status).toBe(400);
  });

  it('codes are single use, expire after 10 minutes of sandbox time, and bind redirect_uri and client', async () => {
    const exchange = (code: string, extra: Record<string, string> = {}) =>
      postForm(h, '/v2/oauth/token/', {
        client_key: h.clientKey,
        client_secret: h.clientSecret,
        code,
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT_URI,
        ...extra,
      });
    const code = await authorizeCode(h);
    expect((await exchange(code)).status).toBe(200);
    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(OAuthErrorResponse.parse(await again.json())).toMatchObject({ error: 'invalid_grant' });

    const late = await authorizeCode(h);
    h.clock.advance(10 * 60 * 1000 + 1);
    expect(((await (await exchange(late)).json()) as { error: string }).error).toBe('invalid_grant');

    const wrongUri = await authorizeCode(h);
    expect((await exchange(wrongUri, { redirect_uri: 'http://127.0.0.1:9/other' })).status).toBe(400);

    const wrongSecret = await exchange(await authorizeCode(h), { client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    expect(OAuthErrorResponse.parse(await wrongSecret.json()).error).toBe('invalid_client');
  });

  it.each([
    ['hex', (v: string) => createHash('sha256').update(v).digest('hex')],
    ['base64url', (v: string) => createHash('sha256').update(v).digest('base64url')],
  ])(
    'PKCE with a %s challenge: the right verifier passes, a wrong or missing one fails',
    async (_name, encode) => {
      const verifier = 'v'.repeat(50);
      const exchange = async (codeVerifier?: string) =>
        postForm(h, '/v2/oauth/token/', {
          client_key: h.clientKey,
          client_secret: h.clientSecret,
          code: await authorizeCode(h, { challenge: encode(verifier) }),
          grant_type: 'authorization_code',
          redirect_uri: REDIRECT_URI,
          ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
        });
      expect((await exchange(verifier)).status).toBe(200);
      expect((await exchange('w'.repeat(50))).status).toBe(400);
      expect((await exchange()).status).toBe(400);
    },
  );

  it('access tokens expire after 24 h of sandbox time; the refresh token still works', async () => {
    const tokens = await connect(h);
    h.clock.advance(86_400_000 + 1000);
    expectApiError(
      await api(h, tokens.access_token, '/v2/user/info/?fields=open_id'),
      401,
      'access_token_invalid',
    );
    const res = await postForm(h, '/v2/oauth/token/', {
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(res.status).toBe(200);
  });
});

describe('Display API', () => {
  it('user/info returns exactly the requested fields in the envelope', async () => {
    const { access_token } = await connect(h);
    const res = await api(h, access_token, `/v2/user/info/?fields=${USER_FIELDS}`);
    expect(res.status).toBe(200);
    const body = UserInfoResponse.parse(res.json);
    expect(body.error).toMatchObject({ code: 'ok', message: '' });
    expect(Object.keys(body.data.user).sort()).toEqual(USER_FIELDS.split(',').sort());

    const narrow = UserInfoResponse.parse(
      (await api(h, access_token, '/v2/user/info/?fields=open_id,display_name')).json,
    );
    expect(Object.keys(narrow.data.user).sort()).toEqual(['display_name', 'open_id']);
  });

  it('unknown or missing fields → invalid_params 400', async () => {
    const { access_token } = await connect(h);
    expectApiError(
      await api(h, access_token, '/v2/user/info/?fields=open_id,shoe_size'),
      400,
      'invalid_params',
    );
    expectApiError(await api(h, access_token, '/v2/user/info/'), 400, 'invalid_params');
    expectApiError(
      await api(h, access_token, '/v2/video/list/?fields=id,plays', { max_count: 5 }),
      400,
      'invalid_params',
    );
  });

  it('missing or bogus bearer → access_token_invalid 401', async () => {
    expectApiError(await api(h, 'act.bogus', '/v2/user/info/?fields=open_id'), 401, 'access_token_invalid');
    const res = await fetch(`${h.url}/v2/user/info/?fields=open_id`);
    expect(res.status).toBe(401);
  });

  it('scopes are enforced: counts need user.info.stats, videos need video.list', async () => {
    const { access_token } = await connect(h, { scope: 'user.info.basic' });
    expect((await api(h, access_token, '/v2/user/info/?fields=open_id,display_name')).status).toBe(200);
    expectApiError(
      await api(h, access_token, '/v2/user/info/?fields=open_id,follower_count'),
      401,
      'scope_not_authorized',
    );
    expectApiError(
      await api(h, access_token, `/v2/video/list/?fields=id`, { max_count: 5 }),
      401,
      'scope_not_authorized',
    );
    expectApiError(
      await api(h, access_token, `/v2/video/query/?fields=id`, { filters: { video_ids: ['1'] } }),
      401,
      'scope_not_authorized',
    );
  });

  it('a scope the app is not approved for → scope_permission_missed 400', async () => {
    const narrowApp = await startTikTok({ appScopes: ['user.info.basic', 'video.list'] });
    try {
      const { access_token } = await connect(narrowApp, { scope: 'user.info.basic,video.list' });
      expectApiError(
        await api(narrowApp, access_token, '/v2/user/info/?fields=follower_count'),
        400,
        'scope_permission_missed',
      );
    } finally {
      await narrowApp.close();
    }
  });

  it('video/list pages newest first by epoch-ms cursor, with short pages while has_more, covering every public video', async () => {
    const { access_token, open_id } = await connect(h);
    const pages = await allPages(access_token);
    const ids = pages.flatMap((p) => p.videos.map((v) => v.id));
    const truth = h.sandbox.groundTruth(open_id).items.videos!.map((v) => v.id);
    expect(ids).toEqual(truth);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.some((p) => p.has_more && p.videos.length < 20)).toBe(true);
    const times = pages.flatMap((p) => p.videos.map((v) => v.create_time!));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.cursor).toBeLessThan(pages[i - 1]!.cursor);
    expect(Object.keys(pages[0]!.videos[0]!).sort()).toEqual(VIDEO_FIELDS_QS.split(',').sort());
  });

  it('video/list rejects max_count above 20 and a non-JSON body', async () => {
    const { access_token } = await connect(h);
    expectApiError(
      await api(h, access_token, `/v2/video/list/?fields=id`, { max_count: 21 }),
      400,
      'invalid_params',
    );
    const res = await fetch(`${h.url}/v2/video/list/?fields=id`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'text/plain' },
      body: 'max_count=5',
    });
    expect(res.status).toBe(400);
  });

  it('video/query returns known ids, leaves unknown ones out, and takes at most 20', async () => {
    const { access_token, open_id } = await connect(h);
    const truth = h.sandbox.groundTruth(open_id).items.videos!;
    const ids = [truth[0]!.id, '7000000000000000001', truth[5]!.id];
    const res = await api(h, access_token, `/v2/video/query/?fields=id,view_count,like_count`, {
      filters: { video_ids: ids },
    });
    const body = VideoQueryResponse.parse(res.json);
    expect(body.data.videos.map((v) => v.id)).toEqual([truth[0]!.id, truth[5]!.id]);
    expect(body.data.videos[0]).toEqual({
      id: truth[0]!.id,
      view_count: truth[0]!.metrics.views,
      like_count: truth[0]!.metrics.likes,
    });
    const tooMany = Array.from({ length: 21 }, (_, i) => String(7e18 + i));
    expectApiError(
      await api(h, access_token, `/v2/video/query/?fields=id`, { filters: { video_ids: tooMany } }),
      400,
      'invalid_params',
    );
    expectApiError(
      await api(h, access_token, `/v2/video/query/?fields=id`, { filters: {} }),
      400,
      'invalid_params',
    );
  });

  it('metrics grow with sandbox time and never shrink', async () => {
    const { access_token, open_id } = await connect(h);
    const id = (await control(h, 'POST', `/accounts/${open_id}/items`, { text: 'fresh' })).json.id as string;
    const views = async () =>
      (await api(h, access_token, `/v2/video/query/?fields=view_count`, { filters: { video_ids: [id] } }))
        .json.data.videos[0].view_count as number;
    // Steps under 24 h: the access token lives a day of sandbox time.
    const before = await views();
    h.clock.advance(20 * 3_600_000);
    const after = await views();
    expect(after).toBeGreaterThan(before);
    h.clock.advance(3 * 3_600_000);
    expect(await views()).toBeGreaterThanOrEqual(after);
  });

  it('the same seed at the same time builds the same world', () => {
    const fixed = () => Date.parse('2026-06-01T00:00:00Z');
    const a = createTikTokSandbox({
      clock: new SandboxClock(fixed),
      seed: 99,
      accounts: 2,
      itemsPerAccount: 30,
    });
    const b = createTikTokSandbox({
      clock: new SandboxClock(fixed),
      seed: 99,
      accounts: 2,
      itemsPerAccount: 30,
    });
    expect(a.accountIds()).toEqual(b.accountIds());
    expect(a.groundTruth(a.accountIds()[1]!)).toEqual(b.groundTruth(b.accountIds()[1]!));
    expect(a.groundTruth(a.accountIds()[0]!).items.videos).toHaveLength(
      a.groundTruth(a.accountIds()[0]!).profile.postCount!,
    );
  });
});

describe('rate limits (600/min per endpoint, sliding window, per user and per app)', () => {
  it('per user: the call over the limit gets 429 rate_limit_exceeded without rate-limit headers; other endpoints and users go on', async () => {
    const a = await connect(h);
    await control(h, 'POST', '/login', { accountId: h.sandbox.accountIds()[1] });
    const b = await connect(h);
    expect((await control(h, 'PUT', '/limits', { perUser: 2 })).json).toMatchObject({
      perUser: 2,
      windowMs: 60_000,
    });
    for (let i = 0; i < 2; i++)
      expect((await api(h, a.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    const limited = await api(h, a.access_token, '/v2/user/info/?fields=open_id');
    expectApiError(limited, 429, 'rate_limit_exceeded');
    expect([...limited.headers.keys()].filter((k) => /rate|retry/i.test(k))).toEqual([]);
    expect((await api(h, a.access_token, '/v2/video/list/?fields=id', { max_count: 1 })).status).toBe(200);
    expect((await api(h, b.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);

    const log = (
      await control(
        h,
        'GET',
        `/requests?endpoint=${encodeURIComponent('GET /v2/user/info/')}&user=${a.open_id}`,
      )
    ).json;
    expect(
      log.requests.map((r: { status: number; whileRateLimited: boolean }) => [r.status, r.whileRateLimited]),
    ).toEqual([
      [200, false],
      [200, false],
      [429, true],
    ]);
    expect(log.stats.rateLimitedServed).toBe(1);

    h.clock.advance(60_001);
    expect((await api(h, a.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
  });

  it('per app: all users share the app window of an endpoint', async () => {
    const a = await connect(h);
    await control(h, 'POST', '/login', { accountId: h.sandbox.accountIds()[1] });
    const b = await connect(h);
    await control(h, 'PUT', '/limits', { perApp: 3 });
    expect((await api(h, a.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    expect((await api(h, b.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    expect((await api(h, a.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    expectApiError(await api(h, b.access_token, '/v2/user/info/?fields=open_id'), 429, 'rate_limit_exceeded');
  });
});

describe('faults in TikTok format', () => {
  it('5xx renders internal_error in the envelope; OAuth endpoints render an OAuth error', async () => {
    const { access_token } = await connect(h);
    const added = await control(h, 'POST', '/faults', {
      endpoint: 'GET /v2/user/info/',
      status: 503,
      times: 1,
    });
    expect(added.json.id).toEqual(expect.any(Number));
    expectApiError(await api(h, access_token, '/v2/user/info/?fields=open_id'), 503, 'internal_error');
    expect((await api(h, access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);

    await control(h, 'POST', '/faults', { endpoint: 'POST /v2/oauth/token/', status: 500, times: 1 });
    const res = await postForm(h, '/v2/oauth/token/', { client_key: h.clientKey });
    expect(res.status).toBe(500);
    expect(OAuthErrorResponse.parse(await res.json()).error).toBe('server_error');
  });

  it('429 storms, latency, resets and held sockets', async () => {
    const { access_token } = await connect(h);
    await control(h, 'POST', '/faults', { endpoint: '*', rateLimit: true, times: 2 });
    expectApiError(await api(h, access_token, '/v2/user/info/?fields=open_id'), 429, 'rate_limit_exceeded');
    expectApiError(
      await api(h, access_token, '/v2/video/list/?fields=id', { max_count: 1 }),
      429,
      'rate_limit_exceeded',
    );

    await control(h, 'POST', '/faults', { endpoint: 'GET /v2/user/info/', latencyMs: 250, times: 1 });
    const started = Date.now();
    expect((await api(h, access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);

    await control(h, 'POST', '/faults', { endpoint: 'GET /v2/user/info/', reset: true, times: 1 });
    await expect(api(h, access_token, '/v2/user/info/?fields=open_id')).rejects.toThrow();

    await control(h, 'POST', '/faults', { endpoint: 'GET /v2/user/info/', timeout: true, times: 1 });
    await expect(
      fetch(`${h.url}/v2/user/info/?fields=open_id`, {
        headers: { authorization: `Bearer ${access_token}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect((await control(h, 'GET', '/faults')).json.faults).toEqual([]);
    await control(h, 'POST', '/faults', { endpoint: '*', status: 500 });
    expect((await control(h, 'DELETE', '/faults')).status).toBe(200);
    expect((await control(h, 'GET', '/faults')).json.faults).toEqual([]);
  });
});

describe('request log', () => {
  it('records endpoint, full query, headers, raw body, status and user', async () => {
    const { access_token, open_id } = await connect(h);
    await control(h, 'DELETE', '/requests');
    await api(h, access_token, '/v2/video/list/?fields=id,create_time', { max_count: 7 });
    const [entry] = (await control(h, 'GET', '/requests')).json.requests;
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/v2/video/list/',
      url: '/v2/video/list/?fields=id,create_time',
      endpoint: 'POST /v2/video/list/',
      query: { fields: 'id,create_time' },
      body: '{"max_count":7}',
      status: 200,
      whileRateLimited: false,
      user: open_id,
    });
    expect(entry.headers.authorization).toBe(`Bearer ${access_token}`);
  });
});

describe('control API', () => {
  it('clock, accounts, login and ground truth', async () => {
    const clock = (await control(h, 'GET', '/clock')).json;
    const advanced = (await control(h, 'POST', '/clock/advance', { ms: 3_600_000 })).json;
    expect(advanced.now - clock.now).toBeGreaterThanOrEqual(3_600_000);
    expect((await control(h, 'POST', '/clock/advance', { ms: -1 })).status).toBe(400);

    const created = (await control(h, 'POST', '/accounts', { items: 12, followers: 150 })).json;
    const list = (await control(h, 'GET', '/accounts')).json;
    expect(list.accounts.map((a: { accountId: string }) => a.accountId)).toContain(created.accountId);
    await control(h, 'POST', '/login', { accountId: created.accountId });
    const tokens = await connect(h);
    expect(tokens.open_id).toBe(created.accountId);

    const truth = (await control(h, 'GET', `/ground-truth/${created.accountId}`)).json;
    expect(truth.profile.followers).toBe(150);
    const user = UserInfoResponse.parse(
      (await api(h, tokens.access_token, `/v2/user/info/?fields=${USER_FIELDS}`)).json,
    ).data.user;
    expect(truth.profile).toEqual({
      username: user.username,
      displayName: user.display_name,
      followers: user.follower_count,
      following: user.following_count,
      postCount: user.video_count,
    });
    expect(truth.items.videos).toHaveLength(user.video_count!);
    expect((await control(h, 'GET', '/ground-truth/nobody')).status).toBe(404);
  });

  it('items: create (with webhook), edit metrics and text, delete; profile edits', async () => {
    const receiver = await startReceiver();
    try {
      const { access_token, open_id } = await connect(h);
      expect((await control(h, 'POST', '/webhooks/subscribe', { url: receiver.url })).status).toBe(200);

      const item = (
        await control(h, 'POST', `/accounts/${open_id}/items`, {
          text: 'new one',
          metrics: { views: 10, likes: 2 },
        })
      ).json;
      expect(item).toMatchObject({ kind: 'videos', text: 'new one', metrics: { views: 10, likes: 2 } });
      expect(receiver.received).toHaveLength(1);
      const delivery = receiver.received[0]!;
      const [, t, s] = /^t=(\d+),s=([0-9a-f]{64})$/.exec(String(delivery.headers['tiktok-signature']))!;
      expect(createHmac('sha256', h.clientSecret).update(`${t}.`).update(delivery.body).digest('hex')).toBe(
        s,
      );
      const body = WebhookBody.parse(JSON.parse(delivery.body.toString()));
      expect(body).toMatchObject({
        client_key: h.clientKey,
        event: 'video.publish.completed',
        user_openid: open_id,
      });
      expect(JSON.parse(body.content).share_id).toContain(item.id);

      const first = (
        await api(h, access_token, `/v2/video/list/?fields=id,video_description,view_count`, { max_count: 1 })
      ).json.data.videos[0];
      expect(first).toEqual({ id: item.id, video_description: 'new one', view_count: 10 });

      await control(h, 'PATCH', `/accounts/${open_id}/items/${item.id}`, {
        text: 'edited',
        metrics: { views: 99, shares: 4 },
      });
      const q = (
        await api(h, access_token, `/v2/video/query/?fields=id,video_description,view_count,share_count`, {
          filters: { video_ids: [item.id] },
        })
      ).json;
      expect(q.data.videos[0]).toEqual({
        id: item.id,
        video_description: 'edited',
        view_count: 99,
        share_count: 4,
      });
      expect(
        (await control(h, 'PATCH', `/accounts/${open_id}/items/${item.id}`, { metrics: { plays: 1 } }))
          .status,
      ).toBe(400);

      expect((await control(h, 'DELETE', `/accounts/${open_id}/items/${item.id}`)).json).toEqual({
        deleted: true,
      });
      const gone = (
        await api(h, access_token, `/v2/video/query/?fields=id`, { filters: { video_ids: [item.id] } })
      ).json;
      expect(gone.data.videos).toEqual([]);

      const profile = (
        await control(h, 'PATCH', `/accounts/${open_id}/profile`, { displayName: 'Renamed', followers: 1234 })
      ).json;
      expect(profile).toMatchObject({ displayName: 'Renamed', followers: 1234 });
      const user = (await api(h, access_token, '/v2/user/info/?fields=display_name,follower_count')).json.data
        .user;
      expect(user).toEqual({ display_name: 'Renamed', follower_count: 1234 });
    } finally {
      await receiver.close();
    }
  });

  it('an ordinary upload in the TikTok app (via: tiktok) sends no webhook; only video/list finds it', async () => {
    const receiver = await startReceiver();
    try {
      const { access_token, open_id } = await connect(h);
      await control(h, 'POST', '/webhooks/subscribe', { url: receiver.url });
      const upload = (
        await control(h, 'POST', `/accounts/${open_id}/items`, { text: 'uploaded in the app', via: 'tiktok' })
      ).json;
      expect(receiver.received).toHaveLength(0);
      expect((await control(h, 'GET', '/webhooks')).json.deliveries).toEqual([]);
      const first = (
        await api(h, access_token, `/v2/video/list/?fields=id,video_description`, { max_count: 1 })
      ).json.data.videos[0];
      expect(first).toEqual({ id: upload.id, video_description: 'uploaded in the app' });
      expect((await control(h, 'POST', `/accounts/${open_id}/items`, { via: 'elsewhere' })).status).toBe(400);
    } finally {
      await receiver.close();
    }
  });

  it('revoke (authorization.removed webhook), expire-tokens, send and redeliver webhooks', async () => {
    const failing = await startReceiver(500);
    try {
      const { access_token, refresh_token, open_id } = await connect(h);
      await control(h, 'POST', '/webhooks/subscribe', { url: failing.url });

      await control(h, 'POST', `/accounts/${open_id}/expire-tokens`);
      expectApiError(
        await api(h, access_token, '/v2/user/info/?fields=open_id'),
        401,
        'access_token_invalid',
      );

      const sent = (
        await control(h, 'POST', '/webhooks/send', {
          accountId: open_id,
          event: 'video.upload.failed',
          content: { share_id: 'video.1.x' },
        })
      ).json;
      expect(sent.deliveries[0]).toMatchObject({ status: 500, attempts: 1 });
      const again = (await control(h, 'POST', '/webhooks/redeliver')).json;
      expect(again.deliveries[0]).toMatchObject({ status: 500, attempts: 2 });

      expect((await control(h, 'POST', `/accounts/${open_id}/revoke`)).json).toEqual({ revokedGrants: 1 });
      const removed = WebhookBody.parse(JSON.parse(failing.received.at(-1)!.body.toString()));
      expect(removed).toMatchObject({ event: 'authorization.removed', user_openid: open_id });
      const refreshed = await postForm(h, '/v2/oauth/token/', {
        client_key: h.clientKey,
        client_secret: h.clientSecret,
        grant_type: 'refresh_token',
        refresh_token,
      });
      expect(refreshed.status).toBe(400);
      const hooks = (await control(h, 'GET', '/webhooks')).json;
      expect(hooks.subscriptions).toEqual([failing.url]);
      expect(hooks.deliveries.length).toBe(2);
    } finally {
      await failing.close();
    }
  });
});
