/**
 * Contract tests of the X sandbox over real HTTP: every endpoint validated with the connector's zod schemas,
 * X's errors and rate limits, the OAuth dance, faults, the app-only bearer, webhook registration (CRC), X Activity
 * API subscriptions and signed deliveries to subscribed users only, and the control API.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';
import {
  InvalidRequest,
  OAuthErrorBody,
  Problem,
  RevokeResponse,
  TimelineResponse,
  TokenResponse,
  TweetsLookupResponse,
  UsersMeResponse,
} from '../../src/platforms/twitter/schemas';
import {
  AppTokenResponse,
  SubscriptionCreateResponse,
  SubscriptionListResponse,
  WebhookCreateResponse,
  WebhookListResponse,
  createdSubscription,
} from '../../src/platforms/twitter/activity-schemas';
import { createTwitterWebhookHandler } from '../../src/platforms/twitter/webhook';
import { Item, type WebhookEvent } from '../../src/platforms/types';

const REDIRECT = 'https://app.example.com/oauth/twitter/callback';
const DAY = 86_400_000;

let sandbox: TwitterSandbox;
let server: RunningServer;
let clock: SandboxClock;

beforeAll(async () => {
  clock = new SandboxClock();
  sandbox = createTwitterSandbox({ clock, seed: 42, accounts: 2, itemsPerAccount: 250, autoApprove: true });
  server = await listen(sandbox.handler);
});
afterAll(() => server.close());

function basic(): string {
  const { clientId, clientSecret } = sandbox.credentials;
  return 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
}

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(server.url + path, { redirect: 'manual', ...init });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, text, json };
}

async function control(method: string, path: string, body?: unknown) {
  return call(`/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeQuery(challenge: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    response_type: 'code',
    client_id: sandbox.credentials.clientId,
    redirect_uri: REDIRECT,
    scope: 'tweet.read users.read offline.access',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
}

async function codeFor(accountId?: string) {
  if (accountId) await control('POST', '/login', { accountId });
  const { verifier, challenge } = pkce();
  const { res } = await call(`/i/oauth2/authorize?${authorizeQuery(challenge)}`);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  return { code: location.searchParams.get('code')!, state: location.searchParams.get('state'), verifier };
}

async function tokenCall(form: Record<string, string>, auth = basic()) {
  return call('/2/oauth2/token', {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

async function tokensFor(accountId?: string) {
  const { code, verifier } = await codeFor(accountId);
  const { res, json } = await tokenCall({
    code,
    grant_type: 'authorization_code',
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  expect(res.status).toBe(200);
  return TokenResponse.parse(json);
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('OAuth 2.0 with PKCE', () => {
  it('runs the whole dance: authorize → code → tokens → refresh → rotation → revoke', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const { code, state, verifier } = await codeFor(accountId);
    expect(state).toBe('st-1');
    const first = await tokenCall({
      code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(first.res.status).toBe(200);
    const tokens = TokenResponse.parse(first.json);
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      expires_in: 7200,
      scope: 'tweet.read users.read offline.access',
    });
    expect(tokens.refresh_token).toBeDefined();

    // The code is single use.
    const replay = await tokenCall({
      code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(replay.res.status).toBe(400);
    expect(OAuthErrorBody.parse(replay.json)).toEqual({
      error: 'invalid_request',
      error_description: 'Value passed for the authorization code was invalid.',
    });

    const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.res.status).toBe(200);
    const next = TokenResponse.parse(refreshed.json);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);

    // Rotation: the used refresh token is dead.
    const again = await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(again.res.status).toBe(400);
    expect(again.json).toEqual({
      error: 'invalid_request',
      error_description: 'Value passed for the token was invalid.',
    });

    const me = await call('/2/users/me', bearer(next.access_token));
    expect(me.res.status).toBe(200);

    const revoked = await call('/2/oauth2/revoke', {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: next.access_token, token_type_hint: 'access_token' }).toString(),
    });
    expect(revoked.res.status).toBe(200);
    expect(RevokeResponse.parse(revoked.json)).toEqual({ revoked: true });
    expect((await call('/2/users/me', bearer(next.access_token))).res.status).toBe(401);
    expect(
      (await tokenCall({ grant_type: 'refresh_token', refresh_token: next.refresh_token! })).res.status,
    ).toBe(400);
  });

  it('checks PKCE, redirect_uri, client credentials and code lifetime (30 s on the sandbox clock)', async () => {
    const bad = await codeFor();
    const wrongVerifier = await tokenCall({
      code: bad.code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code_verifier: 'x'.repeat(64),
    });
    expect(wrongVerifier.res.status).toBe(400);

    const other = await codeFor();
    const wrongRedirect = await tokenCall({
      code: other.code,
      grant_type: 'authorization_code',
      redirect_uri: 'https://evil.example.com/cb',
      code_verifier: other.verifier,
    });
    expect(wrongRedirect.res.status).toBe(400);

    const third = await codeFor();
    const noAuth = await tokenCall(
      {
        code: third.code,
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT,
        code_verifier: third.verifier,
      },
      'Basic ' + Buffer.from('a:b').toString('base64'),
    );
    expect(noAuth.res.status).toBe(401);
    expect(noAuth.json).toEqual({
      error: 'unauthorized_client',
      error_description: 'Missing valid authorization header',
    });

    const late = await codeFor();
    clock.advance(31_000);
    const expired = await tokenCall({
      code: late.code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code_verifier: late.verifier,
    });
    expect(expired.res.status).toBe(400);
  });

  it('shows a consent screen without autoApprove, redirects with a code on Allow and access_denied on Cancel', async () => {
    const manual = createTwitterSandbox({ clock, seed: 42, accounts: 1, itemsPerAccount: 5 });
    const srv = await listen(manual.handler);
    try {
      const { challenge } = pkce();
      const query = authorizeQuery(challenge).replace(
        encodeURIComponent(sandbox.credentials.clientId),
        encodeURIComponent(manual.credentials.clientId),
      );
      const page = await fetch(`${srv.url}/i/oauth2/authorize?${query}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<form method="post" action="/i/oauth2/authorize">');
      expect(html).toContain('value="allow"');
      const form = new URLSearchParams(query);
      form.set('decision', 'allow');
      const allow = await fetch(`${srv.url}/i/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(allow.status).toBe(302);
      expect(new URL(allow.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      form.set('decision', 'deny');
      const deny = await fetch(`${srv.url}/i/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const denied = new URL(deny.headers.get('location')!);
      expect(denied.origin + denied.pathname).toBe(REDIRECT);
      expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', state: 'st-1' });
    } finally {
      await srv.close();
    }
  });

  it('answers an unknown client with an error page, not a redirect', async () => {
    const { challenge } = pkce();
    const { res } = await call(`/i/oauth2/authorize?${authorizeQuery(challenge, { client_id: 'nope' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('data endpoints', () => {
  let token: string;
  let accountId: string;
  beforeAll(async () => {
    accountId = sandbox.accountIds()[0]!;
    token = (await tokensFor(accountId)).access_token;
  });

  it('GET /2/users/me honours user.fields and sends rate-limit headers', async () => {
    const { res, json } = await call(
      '/2/users/me?user.fields=public_metrics,created_at,username,name',
      bearer(token),
    );
    expect(res.status).toBe(200);
    const me = UsersMeResponse.parse(json);
    expect(me.data.id).toBe(accountId);
    expect(Object.keys(me.data.public_metrics!).sort()).toEqual([
      'followers_count',
      'following_count',
      'listed_count',
      'tweet_count',
    ]);
    expect(res.headers.get('x-rate-limit-limit')).toBe('75');
    expect(Number(res.headers.get('x-rate-limit-remaining'))).toBeLessThan(75);
    expect(Number(res.headers.get('x-rate-limit-reset'))).toBeGreaterThan(clock.nowSeconds());

    const bare = UsersMeResponse.parse((await call('/2/users/me', bearer(token))).json);
    expect(Object.keys(bare.data).sort()).toEqual(['id', 'name', 'username']);
  });

  it('GET /2/users/:id/tweets pages with next_token (absent on the last page) and honours tweet.fields', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const q = `max_results=100&tweet.fields=created_at,public_metrics${next ? `&pagination_token=${next}` : ''}`;
      const { res, json } = await call(`/2/users/${accountId}/tweets?${q}`, bearer(token));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-rate-limit-limit')).toBe('900');
      const page = TimelineResponse.parse(json);
      for (const t of page.data ?? []) {
        expect(Object.keys(t).sort()).toEqual([
          'created_at',
          'edit_history_tweet_ids',
          'id',
          'public_metrics',
          'text',
        ]);
        expect(Object.keys(t.public_metrics!).sort()).toEqual([
          'bookmark_count',
          'impression_count',
          'like_count',
          'quote_count',
          'reply_count',
          'retweet_count',
        ]);
        seen.push(t.id);
      }
      expect(page.meta!.result_count).toBe(page.data?.length ?? 0);
      next = page.meta!.next_token;
      pages += 1;
    } while (next);
    expect(seen.length).toBe(250);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    const sorted = [...seen].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
    expect(seen).toEqual(sorted);
  });

  it('filters with since_id, until_id, start_time, end_time and exclude', async () => {
    const all = TimelineResponse.parse(
      (await call(`/2/users/${accountId}/tweets?max_results=100&tweet.fields=created_at`, bearer(token)))
        .json,
    ).data!;
    const pivot = all[10]!;
    const since = TimelineResponse.parse(
      (await call(`/2/users/${accountId}/tweets?max_results=100&since_id=${pivot.id}`, bearer(token))).json,
    );
    expect(since.data!.map((t) => t.id)).toEqual(all.slice(0, 10).map((t) => t.id));
    const until = TimelineResponse.parse(
      (await call(`/2/users/${accountId}/tweets?max_results=5&until_id=${pivot.id}`, bearer(token))).json,
    );
    expect(until.data![0]!.id).toBe(all[11]!.id);
    const start = pivot.created_at!.replace('.000Z', 'Z');
    const window = TimelineResponse.parse(
      (
        await call(
          `/2/users/${accountId}/tweets?max_results=100&tweet.fields=created_at&start_time=${start}`,
          bearer(token),
        )
      ).json,
    );
    expect(window.data!.every((t) => Date.parse(t.created_at!) >= Date.parse(start))).toBe(true);
    const before = TimelineResponse.parse(
      (
        await call(
          `/2/users/${accountId}/tweets?max_results=100&tweet.fields=created_at&end_time=${start}`,
          bearer(token),
        )
      ).json,
    );
    expect(before.data!.every((t) => Date.parse(t.created_at!) < Date.parse(start))).toBe(true);
    const noRt = TimelineResponse.parse(
      (
        await call(
          `/2/users/${accountId}/tweets?max_results=100&exclude=retweets,replies&tweet.fields=referenced_tweets`,
          bearer(token),
        )
      ).json,
    );
    expect(noRt.data!.every((t) => t.referenced_tweets === undefined)).toBe(true);
  });

  it('gives non_public/organic metrics only for the last 30 days: older posts drop out of the page', async () => {
    const fields = 'tweet.fields=created_at,public_metrics,non_public_metrics,organic_metrics';
    let next: string | undefined;
    let withData = 0;
    let emptyPages = 0;
    do {
      const { json } = await call(
        `/2/users/${accountId}/tweets?max_results=100&${fields}${next ? `&pagination_token=${next}` : ''}`,
        bearer(token),
      );
      const page = TimelineResponse.parse(json);
      for (const t of page.data ?? []) {
        expect(clock.now() - Date.parse(t.created_at!)).toBeLessThan(30 * DAY);
        expect(t.non_public_metrics).toBeDefined();
        expect(t.organic_metrics).toBeDefined();
        withData += 1;
      }
      if (!page.data) emptyPages += 1;
      next = page.meta!.next_token;
    } while (next);
    expect(withData).toBeGreaterThan(0);
    expect(emptyPages).toBeGreaterThan(0);
  });

  it('GET /2/tweets looks up ids: found posts in data, unknown ones as errors in a 200', async () => {
    const all = TimelineResponse.parse(
      (await call(`/2/users/${accountId}/tweets?max_results=5`, bearer(token))).json,
    ).data!;
    const ids = [all[0]!.id, '1000000000000000001', all[1]!.id];
    const { res, json } = await call(
      `/2/tweets?ids=${ids.join(',')}&tweet.fields=public_metrics`,
      bearer(token),
    );
    expect(res.status).toBe(200);
    const body = TweetsLookupResponse.parse(json);
    expect(body.data!.map((t) => t.id)).toEqual([all[0]!.id, all[1]!.id]);
    expect(body.errors).toEqual([
      expect.objectContaining({
        title: 'Not Found Error',
        resource_id: '1000000000000000001',
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      }),
    ]);
  });

  it('answers an unknown user with a partial error in a 200', async () => {
    const { res, json } = await call('/2/users/12345/tweets', bearer(token));
    expect(res.status).toBe(200);
    expect(TimelineResponse.parse(json).errors![0]).toMatchObject({
      title: 'Not Found Error',
      resource_type: 'user',
      resource_id: '12345',
    });
  });

  it("rejects bad parameters with X's Invalid Request body", async () => {
    for (const q of [
      'max_results=4',
      'max_results=101',
      'tweet.fields=bogus',
      'since_id=abc',
      'start_time=yesterday',
      'pagination_token=%21%21',
      'foo=1',
    ]) {
      const { res, json } = await call(`/2/users/${accountId}/tweets?${q}`, bearer(token));
      expect(res.status).toBe(400);
      expect(InvalidRequest.parse(json).title).toBe('Invalid Request');
    }
    const { res } = await call('/2/tweets?ids=', bearer(token));
    expect(res.status).toBe(400);
  });

  it('answers invalid, expired and revoked tokens with the exact 401 problem JSON', async () => {
    const expected = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };
    const missing = await call('/2/users/me');
    expect(missing.res.status).toBe(401);
    expect(missing.res.headers.get('content-type')).toBe('application/problem+json');
    expect(Problem.parse(missing.json)).toEqual(expected);

    const other = sandbox.accountIds()[1]!;
    const tokens = await tokensFor(other);
    await control('POST', `/accounts/${other}/expire-tokens`);
    const expired = await call('/2/users/me', bearer(tokens.access_token));
    expect(expired.res.status).toBe(401);
    expect(expired.json).toEqual(expected);
    // The refresh token still works after the access token expired.
    const refreshed = TokenResponse.parse(
      (await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).json,
    );
    expect((await call('/2/users/me', bearer(refreshed.access_token))).res.status).toBe(200);

    await control('POST', `/accounts/${other}/revoke`);
    expect((await call('/2/users/me', bearer(refreshed.access_token))).json).toEqual(expected);
    expect(
      (await tokenCall({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token! })).res.status,
    ).toBe(400);
  });

  it('expires access tokens after 2 hours of sandbox time', async () => {
    const tokens = await tokensFor(accountId);
    clock.advance(7_200_000);
    expect((await call('/2/users/me', bearer(tokens.access_token))).res.status).toBe(401);
    token = (await tokensFor(accountId)).access_token;
  });
});

describe('rate limits', () => {
  it('throttles per user with the exact 429 body and reset header, and logs requests made while limited', async () => {
    const local = createTwitterSandbox({
      clock,
      seed: 7,
      accounts: 2,
      itemsPerAccount: 20,
      autoApprove: true,
    });
    const srv = await listen(local.handler);
    try {
      local.world.setLimits({ perUser: 3 });
      const grantA = local.world.grants.issue({
        accountId: local.accountIds()[0]!,
        clientId: local.credentials.clientId,
        scopes: ['tweet.read', 'users.read'],
      });
      const grantB = local.world.grants.issue({
        accountId: local.accountIds()[1]!,
        clientId: local.credentials.clientId,
        scopes: ['tweet.read', 'users.read'],
      });
      const get = (t: string) => fetch(`${srv.url}/2/users/me`, bearer(t));
      for (let i = 0; i < 3; i += 1) expect((await get(grantA.accessToken)).status).toBe(200);
      const limited = await get(grantA.accessToken);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toBe('application/problem+json');
      expect(await limited.json()).toEqual({
        title: 'Too Many Requests',
        type: 'about:blank',
        status: 429,
        detail: 'Too Many Requests',
      });
      expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
      // Reset = when the oldest call of the window leaves it: about 15 minutes from now.
      const reset = Number(limited.headers.get('x-rate-limit-reset'));
      expect(reset).toBeGreaterThanOrEqual(clock.nowSeconds() + 895);
      expect(reset).toBeLessThanOrEqual(clock.nowSeconds() + 901);
      // Another user has their own window.
      expect((await get(grantB.accessToken)).status).toBe(200);
      const stats = local.log.stats();
      expect(stats.rateLimitedServed).toBe(1);
      expect(stats.requestsWhileRateLimited).toBe(1);

      // Per app: the app's window is shared by every user.
      local.world.setLimits({ perUser: 100, perApp: 5 });
      const timeline = (t: string, id: string) => fetch(`${srv.url}/2/users/${id}/tweets`, bearer(t));
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1)
        statuses.push(
          (await timeline(i % 2 ? grantA.accessToken : grantB.accessToken, local.accountIds()[0]!)).status,
        );
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

      clock.advance(15 * 60_000);
      expect((await get(grantA.accessToken)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe('faults', () => {
  let token: string;
  beforeAll(async () => {
    token = (await tokensFor(sandbox.accountIds()[0]!)).access_token;
  });
  afterEach(() => control('DELETE', '/faults'));

  it('renders 5xx as problem JSON and 429 storms with reset headers', async () => {
    const { json } = await control('POST', '/faults', { endpoint: 'GET /2/users/me', status: 503, times: 1 });
    expect(z.object({ id: z.number() }).parse(json).id).toBeGreaterThan(0);
    const down = await call('/2/users/me', bearer(token));
    expect(down.res.status).toBe(503);
    expect(down.json).toEqual({
      title: 'Service Unavailable',
      type: 'about:blank',
      status: 503,
      detail: 'Service Unavailable',
    });
    expect((await call('/2/users/me', bearer(token))).res.status).toBe(200);

    await control('POST', '/faults', { endpoint: '*', rateLimit: true, retryAfterSeconds: 120, times: 2 });
    const storm = await call('/2/users/me', bearer(token));
    expect(storm.res.status).toBe(429);
    expect(Number(storm.res.headers.get('x-rate-limit-reset'))).toBe(
      Math.ceil((clock.now() + 120_000) / 1000),
    );
  });

  it('holds the socket for timeouts and resets connections', async () => {
    await control('POST', '/faults', { endpoint: 'GET /2/users/me', timeout: true, times: 1 });
    await expect(
      fetch(`${server.url}/2/users/me`, { ...bearer(token), signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    await control('POST', '/faults', { endpoint: 'GET /2/users/me', reset: true, times: 1 });
    const reset = await new Promise<string>((resolve) => {
      const req = http.get(`${server.url}/2/users/me`, bearer(token), () => resolve('answered'));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(reset).toBe('ECONNRESET');
  });
});

describe('control API and ground truth', () => {
  it('creates, edits and deletes posts; ground truth follows; metrics grow with the clock', async () => {
    const { json } = await control('POST', '/accounts', { seed: 99, items: 12, followers: 500 });
    const accountId = z.object({ accountId: z.string() }).parse(json).accountId;
    const truth = () =>
      control('GET', `/ground-truth/${accountId}`).then(
        (r) => r.json as { profile: { followers: number }; items: { tweets: Item[] } },
      );
    const before = await truth();
    expect(before.profile.followers).toBe(500);
    for (const item of before.items.tweets) {
      expect(Item.parse(item)).toEqual(item);
      expect(Object.keys(item.metrics).sort()).toEqual([
        'bookmarks',
        'impressions',
        'likes',
        'quotes',
        'replies',
        'retweets',
      ]);
    }

    const created = Item.parse(
      (await control('POST', `/accounts/${accountId}/items`, { text: 'hello X', metrics: { likes: 3 } }))
        .json,
    );
    expect(created.metrics.likes).toBe(3);
    const fresh = (await truth()).items.tweets[0]!;
    expect(fresh.id).toBe(created.id);
    const impressionsNow = fresh.metrics.impressions!;
    clock.advance(DAY);
    const later = (await truth()).items.tweets.find((t) => t.id === created.id)!;
    expect(later.metrics.impressions!).toBeGreaterThanOrEqual(impressionsNow);
    expect(later.metrics.likes).toBe(3);

    const patched = await control('PATCH', `/accounts/${accountId}/items/${created.id}`, {
      text: 'edited',
      metrics: { likes: 10 },
    });
    expect(patched.json).toMatchObject({ text: 'edited', metrics: { likes: 10 } });
    await control('PATCH', `/accounts/${accountId}/profile`, { followers: 777, name: 'New Name' });
    expect((await truth()).profile).toMatchObject({ followers: 777, displayName: 'New Name' });
    expect((await control('DELETE', `/accounts/${accountId}/items/${created.id}`)).res.status).toBe(200);
    expect((await truth()).items.tweets.some((t) => t.id === created.id)).toBe(false);
    expect((await control('DELETE', `/accounts/${accountId}/items/${created.id}`)).res.status).toBe(404);
  });

  it('serves only the newest 3,200 posts', async () => {
    const local = createTwitterSandbox({
      clock,
      seed: 5,
      accounts: 1,
      itemsPerAccount: 3300,
      autoApprove: true,
    });
    const srv = await listen(local.handler);
    try {
      const accountId = local.accountIds()[0]!;
      local.world.setLimits({ perUser: 1000 });
      const grant = local.world.grants.issue({
        accountId,
        clientId: local.credentials.clientId,
        scopes: ['tweet.read', 'users.read'],
      });
      let next: string | undefined;
      let count = 0;
      do {
        const res = await fetch(
          `${srv.url}/2/users/${accountId}/tweets?max_results=100${next ? `&pagination_token=${next}` : ''}`,
          bearer(grant.accessToken),
        );
        const page = TimelineResponse.parse(await res.json());
        count += page.data?.length ?? 0;
        next = page.meta?.next_token;
      } while (next);
      expect(count).toBe(3200);
    } finally {
      await srv.close();
    }
  });

  it('lists requests by endpoint and user, and reads/advances the clock', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const { json } = await control(
      'GET',
      `/requests?endpoint=${encodeURIComponent('GET /2/users/me')}&user=${accountId}`,
    );
    const body = json as {
      requests: { endpoint: string; user: string; headers: Record<string, string> }[];
      stats: { total: number };
    };
    expect(body.requests.length).toBeGreaterThan(0);
    expect(body.requests.every((r) => r.endpoint === 'GET /2/users/me' && r.user === accountId)).toBe(true);
    const c1 = (await control('GET', '/clock')).json as { now: number };
    const c2 = (await control('POST', '/clock/advance', { ms: 1000 })).json as { now: number };
    expect(c2.now - c1.now).toBeGreaterThanOrEqual(1000);
    expect((await control('POST', '/clock/advance', { ms: -1 })).res.status).toBe(400);
    await control('DELETE', '/requests');
    expect(((await control('GET', '/requests')).json as { requests: unknown[] }).requests).toEqual([]);
  });
});

describe('real-time delivery: app-only bearer, V2 Webhooks API, X Activity API', () => {
  let receiver: RunningServer;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const crcRequests: URLSearchParams[] = [];
  let crcOk = true;
  const handler = () => createTwitterWebhookHandler({ consumerSecret: sandbox.credentials.consumerSecret });
  let appToken: string;
  let webhookId: string;

  const appAuth = (token = appToken) => ({ authorization: `Bearer ${token}` });
  const jsonCall = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
    call(path, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    receiver = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        if (req.method === 'GET') {
          crcRequests.push(url.searchParams);
          const result = handler().handle({
            method: 'GET',
            headers: req.headers,
            query: Object.fromEntries(url.searchParams),
            rawBody: Buffer.alloc(0),
            now: Date.now(),
          });
          const body =
            result.kind === 'handshake' && crcOk ? result.body : '{"response_token":"sha256=nope"}';
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
          return;
        }
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
  });
  afterAll(() => receiver.close());

  function parsed(): WebhookEvent[] {
    return received.flatMap((r) => {
      const result = handler().handle({
        method: 'POST',
        headers: r.headers,
        query: {},
        rawBody: Buffer.from(r.body),
        now: Date.now(),
      });
      if (result.kind !== 'events') throw new Error(`rejected: ${JSON.stringify(result)}`);
      return result.events;
    });
  }

  it('issues the app-only bearer for the consumer key and secret (not the OAuth 2.0 client)', async () => {
    const { consumerKey, consumerSecret, clientId, clientSecret } = sandbox.credentials;
    expect(consumerSecret).not.toBe(clientSecret);
    const tokenCall2 = (id: string, secret: string, body = 'grant_type=client_credentials') =>
      call('/oauth2/token', {
        method: 'POST',
        headers: {
          authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64'),
          'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
        },
        body,
      });
    const first = await tokenCall2(consumerKey, consumerSecret);
    expect(first.res.status).toBe(200);
    appToken = AppTokenResponse.parse(first.json).access_token;
    // One bearer per app: asking again gives the same token.
    expect(AppTokenResponse.parse((await tokenCall2(consumerKey, consumerSecret)).json).access_token).toBe(
      appToken,
    );
    for (const bad of [
      await tokenCall2(clientId, clientSecret),
      await tokenCall2(consumerKey, 'guess'),
      await tokenCall2(consumerKey, consumerSecret, 'grant_type=password'),
    ]) {
      expect(bad.res.status).toBe(403);
      expect(bad.json).toEqual({
        errors: [
          { code: 99, label: 'authenticity_token_error', message: 'Unable to verify your credentials' },
        ],
      });
    }
  });

  it('webhook endpoints take only the app bearer: 401 without a token, 403 for a user token', async () => {
    expect((await call('/2/webhooks')).res.status).toBe(401);
    const user = await tokensFor(sandbox.accountIds()[0]);
    const forbidden = await call('/2/webhooks', bearer(user.access_token));
    expect(forbidden.res.status).toBe(403);
    expect(Problem.parse(forbidden.json).type).toBe(
      'https://api.twitter.com/2/problems/unsupported-authentication',
    );
    const listed = await call('/2/webhooks', { headers: appAuth() });
    expect(WebhookListResponse.parse(listed.json).data ?? []).toEqual([]);
  });

  it('registers a URL only after its CRC check passes, refuses duplicates and URLs X would refuse', async () => {
    const url = `${receiver.url}/webhooks/twitter`;
    crcOk = false;
    const refused = await jsonCall('POST', '/2/webhooks', { url }, appAuth());
    expect(refused.res.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('CrcValidationFailed');
    expect(
      WebhookListResponse.parse((await call('/2/webhooks', { headers: appAuth() })).json).data ?? [],
    ).toEqual([]);
    // X's CRC request: an X-shaped token and a nonce.
    expect(crcRequests.at(-1)!.get('crc_token')).toMatch(/^[A-Za-z0-9+/]{48}$/);
    expect(crcRequests.at(-1)!.get('nonce')).toBeTruthy();

    crcOk = true;
    const created = await jsonCall('POST', '/2/webhooks', { url }, appAuth());
    expect(created.res.status).toBe(200);
    const webhook = WebhookCreateResponse.parse(created.json).data;
    expect(webhook).toMatchObject({ url, valid: true });
    webhookId = webhook.id;

    const duplicate = await jsonCall('POST', '/2/webhooks', { url }, appAuth());
    expect(duplicate.res.status).toBe(400);
    expect(JSON.stringify(duplicate.json)).toContain('DuplicateUrlFailed');
    for (const bad of ['http://example.com/webhooks/twitter', 'https://example.com:8443/hook', 'not a url']) {
      const answer = await jsonCall('POST', '/2/webhooks', { url: bad }, appAuth());
      expect(answer.res.status).toBe(400);
      expect(JSON.stringify(answer.json)).toContain('UrlValidationFailed');
    }
    expect(WebhookListResponse.parse((await call('/2/webhooks', { headers: appAuth() })).json).data).toEqual([
      webhook,
    ]);

    // PUT re-runs the CRC check.
    const before = crcRequests.length;
    const validated = await call(`/2/webhooks/${webhookId}`, { method: 'PUT', headers: appAuth() });
    expect(validated.json).toEqual({ data: { valid: true } });
    expect(crcRequests.length).toBe(before + 1);
    const unknown = await call('/2/webhooks/123', { method: 'DELETE', headers: appAuth() });
    expect(unknown.res.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('WebhookIdInvalid');
  });

  it('manages X Activity API subscriptions with X’s validation and auth rules', async () => {
    const accountId = sandbox.accountIds()[0]!;
    const ok = await jsonCall(
      'POST',
      '/2/activity/subscriptions',
      { event_type: 'post.create', filter: { user_id: accountId }, webhook_id: webhookId, tag: 'probe' },
      appAuth(),
    );
    expect(ok.res.status).toBe(200);
    const sub = createdSubscription(SubscriptionCreateResponse.parse(ok.json));
    expect(sub).toMatchObject({
      event_type: 'post.create',
      filter: { user_id: accountId },
      webhook_id: webhookId,
    });

    const cases: [unknown, number][] = [
      [{ event_type: 'post.create', filter: { user_id: 'abc' }, webhook_id: webhookId }, 400],
      [{ event_type: 'post.explode', filter: { user_id: accountId } }, 400],
      [{ event_type: 'post.create', filter: { user_id: accountId }, surprise: 1 }, 400],
      [{ event_type: 'post.create', filter: { user_id: accountId }, webhook_id: '42' }, 400],
      [{ event_type: 'oauth.revoke', filter: { user_id: accountId } }, 400],
      // A private event needs the user's own token.
      [{ event_type: 'like.create', filter: { user_id: accountId }, webhook_id: webhookId }, 403],
    ];
    for (const [body, status] of cases) {
      const answer = await jsonCall('POST', '/2/activity/subscriptions', body, appAuth());
      expect({ body, status: answer.res.status }).toEqual({ body, status });
    }

    const second = await jsonCall(
      'POST',
      '/2/activity/subscriptions',
      { event_type: 'post.delete', filter: { user_id: accountId }, webhook_id: webhookId },
      appAuth(),
    );
    const page1 = SubscriptionListResponse.parse(
      (await call('/2/activity/subscriptions?max_results=1', { headers: appAuth() })).json,
    );
    expect(page1.data).toHaveLength(1);
    const page2 = SubscriptionListResponse.parse(
      (
        await call(`/2/activity/subscriptions?max_results=1&pagination_token=${page1.meta!.next_token!}`, {
          headers: appAuth(),
        })
      ).json,
    );
    expect([...page1.data!, ...page2.data!].map((s) => s.subscription_id)).toEqual([
      sub.subscription_id,
      createdSubscription(SubscriptionCreateResponse.parse(second.json)).subscription_id,
    ]);
    expect(page2.meta?.next_token).toBeUndefined();

    for (const id of [
      sub.subscription_id,
      createdSubscription(SubscriptionCreateResponse.parse(second.json)).subscription_id,
    ]) {
      const deleted = await call(`/2/activity/subscriptions/${id}`, { method: 'DELETE', headers: appAuth() });
      expect(deleted.json).toMatchObject({ data: { deleted: true } });
    }
    const gone = await call(`/2/activity/subscriptions/${sub.subscription_id}`, {
      method: 'DELETE',
      headers: appAuth(),
    });
    expect(gone.res.status).toBe(404);
  });

  it('delivers signed events only to subscribed users, in the X Activity API envelope the connector parses', async () => {
    const [subscribed, stranger] = sandbox.accountIds() as [string, string];
    for (const eventType of ['post.create', 'post.delete']) {
      await jsonCall(
        'POST',
        '/2/activity/subscriptions',
        { event_type: eventType, filter: { user_id: subscribed }, webhook_id: webhookId, tag: 'socialsync' },
        appAuth(),
      );
    }
    await jsonCall(
      'POST',
      '/2/activity/subscriptions',
      { event_type: 'oauth.revoke', filter: {}, webhook_id: webhookId },
      appAuth(),
    );
    received.length = 0;

    const created = Item.parse(
      (await control('POST', `/accounts/${subscribed}/items`, { text: 'webhook me' })).json,
    );
    await control('PATCH', `/accounts/${subscribed}/items/${created.id}`, { metrics: { likes: 1000 } });
    await control('POST', '/webhooks/send', { accountId: subscribed, type: 'follow.follow' });
    await control('DELETE', `/accounts/${subscribed}/items/${created.id}`);
    // Nobody subscribed this user: X sends nothing about their posts.
    const unseen = Item.parse(
      (await control('POST', `/accounts/${stranger}/items`, { text: 'not for you' })).json,
    );
    await control('DELETE', `/accounts/${stranger}/items/${unseen.id}`);
    await control('POST', `/accounts/${subscribed}/revoke`);

    expect(received).toHaveLength(3);
    for (const r of received) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('x-twitter'))).toEqual([
        'x-twitter-webhooks-signature',
      ]);
      expect(JSON.parse(r.body)).toMatchObject({ data: { event_uuid: expect.stringMatching(/^\d+$/) } });
    }
    expect(JSON.parse(received[0]!.body).data).toMatchObject({
      event_type: 'post.create',
      filter: { user_id: subscribed },
      tag: 'socialsync',
      payload: { id: created.id, author_id: subscribed, text: 'webhook me' },
    });
    expect(parsed().map((e) => [e.type, e.name, e.accountId, e.itemId])).toEqual([
      ['item_created', 'post.create', subscribed, created.id],
      ['item_deleted', 'post.delete', subscribed, created.id],
      ['account_changed', 'oauth.revoke', subscribed, undefined],
    ]);
    expect(received.some((r) => r.body.includes(stranger))).toBe(false);

    // A webhook X marked invalid (failed hourly CRC) gets nothing until a PUT re-validates it.
    received.length = 0;
    await control('POST', `/webhooks/${webhookId}/invalidate`);
    await control('POST', '/webhooks/send', { accountId: subscribed, type: 'post.create' });
    expect(received).toHaveLength(0);
    await call(`/2/webhooks/${webhookId}`, { method: 'PUT', headers: appAuth() });
    await control('POST', '/webhooks/send', { accountId: subscribed, type: 'post.create' });
    expect(received).toHaveLength(1);
    const log = (await control('GET', '/webhooks')).json as {
      deliveries: { status: number }[];
      subscriptions: unknown[];
    };
    expect(log.deliveries.slice(-4).every((d) => d.status === 200)).toBe(true);
    expect(log.subscriptions).toHaveLength(3);
  });
});
