/**
 * The Instagram connector against the in-process sandbox over real HTTP: every method, the exact requests the
 * sandbox received (what the real graph.instagram.com would get), error classification, and ground truth equality.
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { isPlatformError, type PlatformError } from '../../src/platforms/errors';
import { createInstagramConnector, instagramSettingsFromEnv } from '../../src/platforms/instagram';
import type { InstagramWebhookSubscriptions } from '../../src/platforms/instagram';
import type { Item, PlatformConnector, TokenSet } from '../../src/platforms/types';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { createInstagramSandbox, type InstagramSandbox } from '../../src/sandbox/instagram';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REDIRECT = 'https://app.example/oauth/instagram/callback';

let clock: SandboxClock;
let sandbox: InstagramSandbox;
let server: RunningServer;
let connector: PlatformConnector;

function connect(extraEnv: Record<string, string> = {}, timeoutMs = 5_000): PlatformConnector {
  const env = loadConfig({ ...sandbox.env(server.url), INSTAGRAM_GRAPH_VERSION: 'v23.0', ...extraEnv });
  return createInstagramConnector(instagramSettingsFromEnv(env), { now: () => clock.now(), timeoutMs });
}

beforeEach(async () => {
  // Frozen (tests move it with `advance`): metrics grow with sandbox time, and ground-truth comparisons must not
  // race the real clock between the API read and the ground-truth read.
  const start = Date.now();
  clock = new SandboxClock(() => start);
  sandbox = createInstagramSandbox({ clock, seed: 11, autoApprove: true });
  server = await listen(sandbox.handler);
  connector = connect();
});
afterEach(() => server.close());

async function connectAccount(c = connector): Promise<TokenSet> {
  const res = await fetch(c.oauth.authorizeUrl({ state: 'state-1', redirectUri: REDIRECT }), {
    redirect: 'manual',
  });
  const location = new URL(res.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('state-1');
  // The code arrives with Instagram's trailing `#_` when the callback reads the raw fragment-bearing URL.
  return c.oauth.exchangeCode({ code: `${location.searchParams.get('code')}#_`, redirectUri: REDIRECT });
}

const proofOf = (token: string) =>
  createHmac('sha256', sandbox.credentials.clientSecret).update(token).digest('hex');

async function caught(p: Promise<unknown>): Promise<PlatformError> {
  try {
    await p;
  } catch (err) {
    if (isPlatformError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

describe('OAuth', () => {
  it('builds the authorize URL, exchanges code → short → long-lived, sending exactly the documented requests', async () => {
    const url = new URL(connector.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT }));
    expect(url.origin + url.pathname).toBe(`${server.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: sandbox.credentials.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'instagram_business_basic,instagram_business_manage_insights,instagram_business_manage_comments',
      state: 's',
    });
    expect(connector.oauth.pkce).toBe('none');

    const tokens = await connectAccount();
    expect(tokens).toEqual({
      accessToken: expect.stringMatching(/^IGAA/),
      expiresAt: expect.any(Number),
      issuedAt: expect.any(Number),
      scopes: [
        'instagram_business_basic',
        'instagram_business_manage_insights',
        'instagram_business_manage_comments',
      ],
      // The professional account id of `/me?fields=user_id`, not the exchange's app-scoped `user_id`.
      accountId: sandbox.accountIds()[0],
    });
    expect(sandbox.appScopedId(tokens.accountId)).not.toBe(tokens.accountId);
    const [me] = sandbox.log.all({ endpoint: 'GET /me' });
    expect(me!.query).toMatchObject({ access_token: tokens.accessToken });
    expect(String(me!.query.fields).split(',')).toContain('user_id');
    expect(tokens.expiresAt! - tokens.issuedAt).toBe(5183944 * 1000);
    expect(tokens.refreshToken).toBeUndefined();

    const [exchange] = sandbox.log.all({ endpoint: 'POST /oauth/access_token' });
    expect(exchange!.path).toBe('/oauth/access_token');
    expect(exchange!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(exchange!.body));
    expect(form).toEqual({
      client_id: sandbox.credentials.clientId,
      client_secret: sandbox.credentials.clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code: expect.not.stringContaining('#'),
    });
    const [longLived] = sandbox.log.all({ endpoint: 'GET /access_token' });
    expect(longLived!.path).toBe('/access_token');
    expect(Object.keys(longLived!.query).sort()).toEqual(['access_token', 'client_secret', 'grant_type']);
    expect(longLived!.query.grant_type).toBe('ig_exchange_token');
  });

  it('accepts the older flat token answer with a big numeric user_id', async () => {
    sandbox.setApp({ legacyTokenResponse: true });
    expect((await connectAccount()).accountId).toBe(sandbox.accountIds()[0]);
  });

  it('refreshes only after 24 h, single-flight, with rotation; expired tokens need reauth; no revocation', async () => {
    const tokens = await connectAccount();
    expect(await connector.oauth.refresh(tokens)).toBe(tokens);
    expect(sandbox.log.all({ endpoint: 'GET /refresh_access_token' })).toHaveLength(0);

    clock.advance(25 * HOUR);
    const [a, b] = await Promise.all([connector.oauth.refresh(tokens), connector.oauth.refresh(tokens)]);
    expect(a).toEqual(b);
    const calls = sandbox.log.all({ endpoint: 'GET /refresh_access_token' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query).toEqual({ grant_type: 'ig_refresh_token', access_token: tokens.accessToken });
    expect(a.accessToken).not.toBe(tokens.accessToken);
    expect(a.issuedAt).toBeGreaterThanOrEqual(tokens.issuedAt + 25 * HOUR);
    expect(a.expiresAt).toBeGreaterThan(tokens.expiresAt!);

    // Rotation: the used token is dead, the newest works.
    expect(
      (
        await caught(
          connector.fetchAccount(tokens, {
            since: new Date(clock.now() - DAY),
            until: new Date(clock.now()),
          }),
        )
      ).kind,
    ).toBe('reauth_required');
    const usedAgain = await caught(connector.oauth.refresh(tokens));
    expect(usedAgain.kind).toBe('reauth_required');

    clock.advance(25 * HOUR);
    sandbox.expireTokens(a.accountId);
    const expiredRefresh = await caught(connector.oauth.refresh(a));
    expect(expiredRefresh.kind).toBe('reauth_required');
    expect(expiredRefresh.platformCode).toBe('190/463');
    const before = sandbox.log.all().length;
    expect((await caught(connector.oauth.refresh({ ...a, expiresAt: clock.now() - 1 }))).kind).toBe(
      'reauth_required',
    );
    expect(sandbox.log.all()).toHaveLength(before);

    expect(await connector.oauth.revoke(a)).toBe(false);
    expect(connector.oauth.refreshMarginMs).toBe(10 * DAY);
  });
});

describe('data', () => {
  let tokens: TokenSet;
  beforeEach(async () => {
    tokens = await connectAccount();
    sandbox.log.clear();
  });

  it('fetchAccount sends the documented calls and equals the ground truth', async () => {
    const until = new Date(Math.floor(clock.now() / DAY) * DAY);
    const since = new Date(until.getTime() - 7 * DAY);
    const snapshot = await connector.fetchAccount(tokens, { since, until });
    const truth = sandbox.groundTruth(tokens.accountId);

    const [me] = sandbox.log.all({ endpoint: 'GET /me' });
    expect(me!.path).toBe('/v23.0/me');
    expect(me!.query).toEqual({
      fields:
        'user_id,username,name,profile_picture_url,followers_count,follows_count,media_count,account_type',
      access_token: tokens.accessToken,
      appsecret_proof: proofOf(tokens.accessToken),
    });
    const insights = sandbox.log.all({ endpoint: 'GET /{ig-user-id}/insights' });
    const daily = insights.filter((r) => r.query.period === 'day');
    expect(daily).toHaveLength(7);
    // One call per day (the newest first, to learn which metrics the account refuses, then the rest at once).
    const days = daily.map((r) => Number(r.query.since)).sort((a, b) => a - b);
    expect(days).toEqual(Array.from({ length: 7 }, (_, i) => since.getTime() / 1000 + i * 86_400));
    const oldest = daily.find((r) => Number(r.query.since) === days[0])!;
    expect(oldest.path).toBe(`/v23.0/${tokens.accountId}/insights`);
    expect(oldest.query).toEqual({
      metric:
        'reach,views,accounts_engaged,total_interactions,likes,comments,saves,shares,replies,follows_and_unfollows,profile_links_taps',
      period: 'day',
      metric_type: 'total_value',
      since: String(since.getTime() / 1000),
      until: String(since.getTime() / 1000 + 86_400),
      access_token: tokens.accessToken,
      appsecret_proof: proofOf(tokens.accessToken),
    });
    const demographics = insights.filter((r) => r.query.period === 'lifetime');
    expect(demographics.map((r) => r.query.breakdown)).toEqual(['age', 'gender', 'country', 'city']);
    expect(demographics[0]!.query).toMatchObject({
      metric: 'follower_demographics',
      metric_type: 'total_value',
      timeframe: 'this_month',
    });
    expect(sandbox.log.all().every((r) => !JSON.stringify(r.query).includes('impressions'))).toBe(true);
    // /me, 7 days, 4 breakdowns, 1 probe of the stories edge.
    expect(snapshot.usage).toEqual({ '*': 1 + 7 + 4 + 1 });
    expect(snapshot.unavailable).toBeUndefined();

    expect(snapshot.accountId).toBe(truth.accountId);
    expect(snapshot.profile).toEqual(truth.profile);
    expect(snapshot.audience).toEqual(truth.audience);
    // The last two days are inside the platform's 48 h lag: absent, not zero.
    const truthInRange = truth.daily!.filter(
      (d) => d.date >= since.toISOString().slice(0, 10) && d.date < until.toISOString().slice(0, 10),
    );
    expect(snapshot.daily).toEqual(truthInRange);
    expect(snapshot.daily).toHaveLength(5);
    expect(snapshot.insights).toEqual(truth.insights);
  });

  it('leaves audience and link taps absent for a small account without a link', async () => {
    const small = sandbox.accountIds()[2]!;
    sandbox.login(small);
    const smallTokens = await connectAccount();
    sandbox.patchProfile(small, { website: null });
    const until = new Date(clock.now());
    const snapshot = await connector.fetchAccount(smallTokens, {
      since: new Date(until.getTime() - 4 * DAY),
      until,
    });
    expect(snapshot.audience).toBeUndefined();
    expect(snapshot.daily!.length).toBeGreaterThan(0);
    for (const day of snapshot.daily!) expect(day.metrics).not.toHaveProperty('profile_links_taps');
    expect(
      sandbox.log
        .all({ endpoint: 'GET /{ig-user-id}/insights' })
        .some((r) => r.query.metric === 'follower_demographics'),
    ).toBe(false);
  });

  it('listItems(posts) pages with inline insights, falls back per media, and equals the ground truth', async () => {
    const items: Item[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await connector.listItems(tokens, { kind: 'posts', cursor, pageSize: 100 });
      items.push(...page.items);
      calls += page.usage['*']!;
      cursor = page.nextCursor;
    } while (cursor);
    expect(items).toEqual(sandbox.groundTruth(tokens.accountId).items.posts);

    const pages = sandbox.log.all({ endpoint: 'GET /{ig-user-id}/media' });
    expect(pages[0]!.path).toBe(`/v23.0/${tokens.accountId}/media`);
    expect(pages[0]!.query).toEqual({
      fields:
        'id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count,insights.metric(reach,saved,shares,views)',
      limit: '100',
      access_token: tokens.accessToken,
      appsecret_proof: proofOf(tokens.accessToken),
    });
    expect(pages[1]!.query.after).toBeDefined();
    // The last page holds media from before the professional conversion: the inline call fails (#10), the page is
    // read plain and each media's insights are asked separately.
    const failed = pages.filter((p) => p.status === 400);
    expect(failed).toHaveLength(1);
    const perMedia = sandbox.log.all({ endpoint: 'GET /{media-id}/insights' });
    expect(perMedia.length).toBeGreaterThan(0);
    expect(perMedia[0]!.query).toMatchObject({ metric: 'reach,saved,shares,views' });
    expect(calls).toBe(sandbox.log.all().length);
  });

  it('listItems(stories) reads insights and navigation; stories under 5 viewers keep no metrics', async () => {
    sandbox.addItem(tokens.accountId, { kind: 'stories', metrics: { reach: 2 } });
    sandbox.addItem(tokens.accountId, { kind: 'stories', metrics: { reach: 80, navigation: 70 } });
    const page = await connector.listItems(tokens, { kind: 'stories' });
    const truth = sandbox.groundTruth(tokens.accountId).items.stories!;
    expect(page.items).toEqual(truth);
    expect(page.nextCursor).toBeUndefined();
    expect(page.items.some((s) => Object.keys(s.metrics).length === 0)).toBe(true);
    const withNav = page.items.find((s) => s.metrics.navigation === 70)!;
    expect(withNav.attributes).toHaveProperty('navigation_tap_forward');
    const nav = sandbox.log
      .all({ endpoint: 'GET /{media-id}/insights' })
      .find((r) => r.query.metric === 'navigation')!;
    expect(nav.query.breakdown).toBe('story_navigation_action_type');
  });

  it('refreshItems reads each media with inline insights and reports deleted ones missing', async () => {
    const posts = sandbox.groundTruth(tokens.accountId).items.posts!;
    const [first, second, legacy] = [posts[0]!, posts[1]!, posts.at(-1)!];
    sandbox.deleteItem(tokens.accountId, second.id);
    sandbox.log.clear();
    const result = await connector.refreshItems(tokens, {
      kind: 'posts',
      ids: [first.id, second.id, legacy.id],
    });
    expect(result.items).toEqual([first, legacy]);
    expect(result.missing).toEqual([second.id]);
    const reads = sandbox.log.all({ endpoint: 'GET /{media-id}' });
    expect(reads[0]!.path).toBe(`/v23.0/${first.id}`);
    expect(reads[0]!.query.fields).toContain('insights.metric(reach,saved,shares,views)');
    expect(result.usage['*']).toBe(sandbox.log.all().length);
    expect(await connector.refreshItems(tokens, { kind: 'tweets', ids: ['1'] })).toEqual({
      items: [],
      missing: [],
      unsupported: ['1'],
      usage: {},
    });
  });

  it('sends no appsecret_proof when the setting is off, and unversioned paths without INSTAGRAM_GRAPH_VERSION', async () => {
    const env = loadConfig({ ...sandbox.env(server.url) });
    sandbox.setApp({ requireProof: false });
    const plain = createInstagramConnector(
      { ...instagramSettingsFromEnv(env), appsecretProof: false },
      { now: () => clock.now() },
    );
    await plain.fetchAccount(tokens, { since: new Date(clock.now() - DAY), until: new Date(clock.now()) });
    const [me] = sandbox.log.all({ endpoint: 'GET /me' });
    expect(me!.path).toBe('/me');
    expect(me!.query).not.toHaveProperty('appsecret_proof');
  });
});

describe('error classification against the sandbox', () => {
  let tokens: TokenSet;
  const list = (c = connector) => c.listItems(tokens, { kind: 'posts', pageSize: 10 });
  beforeEach(async () => {
    tokens = await connectAccount();
  });

  it('expired or revoked → reauth_required (Instagram cannot refresh an expired token)', async () => {
    sandbox.expireTokens(tokens.accountId);
    expect(await caught(list())).toMatchObject({ kind: 'reauth_required', platformCode: '190/463' });
    const fresh = await connectAccount();
    sandbox.revoke(fresh.accountId);
    const revoked = await caught(connector.listItems(fresh, { kind: 'posts' }));
    expect(revoked.kind).toBe('reauth_required');
    expect(revoked.platformCode).toBe('190/458');
  });

  it('throttles → rate_limited with retryAt from the usage header', async () => {
    sandbox.faults.add({
      endpoint: 'GET /{ig-user-id}/media',
      rateLimit: true,
      retryAfterSeconds: 900,
      times: 1,
    });
    const storm = await caught(list());
    expect(storm).toMatchObject({ kind: 'rate_limited', status: 429, platformCode: 80002 });
    expect(Math.abs(storm.retryAt! - (clock.now() + 15 * 60_000))).toBeLessThan(5_000);

    // The connect's `/me` already used one call of this window.
    sandbox.setLimits({ perUser: 2 });
    await list();
    const user = await caught(list());
    expect(user).toMatchObject({ kind: 'rate_limited', platformCode: 17 });
    expect(user.retryAt).toBeGreaterThan(clock.now() + 50 * 60_000);
  });

  // Persistent faults: one transient failure is retried inside the connector (src/platforms/http), so only a
  // failure that outlasts those retries reaches the caller.
  it('5xx, resets and timeouts that persist → transient', async () => {
    sandbox.faults.add({ endpoint: 'GET /{ig-user-id}/media', status: 502 });
    expect(await caught(list())).toMatchObject({ kind: 'transient', status: 502 });
    sandbox.faults.clear();
    sandbox.faults.add({ endpoint: 'GET /{ig-user-id}/media', reset: true });
    expect((await caught(list())).kind).toBe('transient');
    sandbox.faults.clear();
    sandbox.faults.add({ endpoint: 'GET /{ig-user-id}/media', timeout: true });
    const impatient = connect({}, 300);
    const timeout = await caught(list(impatient));
    expect(timeout.kind).toBe('transient');
    expect(timeout.message).toMatch(/ECONNABORTED|ETIMEDOUT|timeout/);
  });

  it('a single 5xx is retried inside the connector and the retry is charged to the budget', async () => {
    sandbox.log.clear();
    sandbox.faults.add({ endpoint: 'GET /{ig-user-id}/media', status: 500, times: 1 });
    const page = await list();
    expect(page.items.length).toBeGreaterThan(0);
    const pages = sandbox.log.all({ endpoint: 'GET /{ig-user-id}/media' });
    expect(pages.map((r) => r.status)).toEqual([500, 200]);
    expect(page.usage['*']).toBe(sandbox.log.all().length);
  });

  it('a changed response shape → permanent naming endpoint and field', async () => {
    const odd = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ username: 'x', followers_count: 'many' }));
    });
    try {
      const env = loadConfig({ ...sandbox.env(odd.url) });
      const c = createInstagramConnector(instagramSettingsFromEnv(env), { now: () => clock.now() });
      const err = await caught(
        c.fetchAccount(tokens, { since: new Date(clock.now() - DAY), until: new Date(clock.now()) }),
      );
      expect(err.kind).toBe('permanent');
      expect(err.endpoint).toBe('GET /me');
      expect(err.message).toContain('followers_count');
    } finally {
      await odd.close();
    }
  });
});

describe('webhooks end to end', () => {
  it('the sandbox subscribes (handshake) and its signed deliveries parse into events', async () => {
    const tokens = await connectAccount();
    const receiver = await startWebhookReceiver(connector.webhooks, () => Date.now());
    const { events } = receiver;
    try {
      await sandbox.subscribeWebhook(`${receiver.url}/webhooks/instagram`);
      const accountId = sandbox.accountIds()[0]!;
      const post = sandbox.groundTruth(accountId).items.posts![3]!;
      // Not subscribed through subscribed_apps yet: Meta delivers nothing for the account.
      expect(await sandbox.sendWebhook({ accountId, mediaId: post.id })).toEqual([]);
      await connector.subscriptions!.subscribe(tokens);
      const [delivery] = await sandbox.sendWebhook({ accountId, mediaId: post.id });
      expect(delivery!.status).toBe(200);
      expect(events).toEqual([
        expect.objectContaining({
          platform: 'instagram',
          accountId,
          type: 'item_changed',
          name: 'comments',
          itemKind: 'posts',
          itemId: post.id,
        }),
      ]);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook subscriptions (subscribed_apps)', () => {
  it('subscribes the account with its own token, lists and removes the subscription', async () => {
    const tokens = await connectAccount();
    sandbox.log.clear();
    const subscriptions = connector.subscriptions as InstagramWebhookSubscriptions;
    await subscriptions.subscribe(tokens);
    await subscriptions.subscribe(tokens); // idempotent: reconnects subscribe again
    const [post] = sandbox.log.all({ endpoint: 'POST /{ig-user-id}/subscribed_apps' });
    expect(post!.method).toBe('POST');
    expect(post!.path).toBe(`/v23.0/${tokens.accountId}/subscribed_apps`);
    expect(post!.query).toEqual({
      subscribed_fields: 'comments,mentions',
      access_token: tokens.accessToken,
      appsecret_proof: proofOf(tokens.accessToken),
    });
    expect(sandbox.subscribedFields(tokens.accountId)).toEqual(['comments', 'mentions']);
    expect(await subscriptions.subscribedFields(tokens)).toEqual(['comments', 'mentions']);

    await subscriptions.unsubscribe(tokens);
    const [del] = sandbox.log.all({ endpoint: 'DELETE /{ig-user-id}/subscribed_apps' });
    expect(del!.path).toBe(`/v23.0/${tokens.accountId}/subscribed_apps`);
    expect(sandbox.subscribedFields(tokens.accountId)).toEqual([]);
    expect(await subscriptions.subscribedFields(tokens)).toEqual([]);
    // Nothing left to remove: still a success.
    await subscriptions.unsubscribe(tokens);
  });

  it('without instagram_business_manage_comments nothing can be subscribed: a clear permanent error, no call', async () => {
    const tokens = await connectAccount();
    sandbox.log.clear();
    const narrow = { ...tokens, scopes: ['instagram_business_basic', 'instagram_business_manage_insights'] };
    const err = await caught(connector.subscriptions!.subscribe(narrow));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('instagram_business_manage_comments');
    expect(sandbox.log.all({ endpoint: 'POST /{ig-user-id}/subscribed_apps' })).toHaveLength(0);
  });

  it('a token that is dead at the platform fails the subscription as reauth_required', async () => {
    const tokens = await connectAccount();
    sandbox.revoke(tokens.accountId);
    expect((await caught(connector.subscriptions!.subscribe(tokens))).kind).toBe('reauth_required');
    expect((await caught(connector.subscriptions!.unsubscribe(tokens))).kind).toBe('reauth_required');
  });

  it('the app-scoped id of the token exchange is refused in a graph path (the two id forms differ)', async () => {
    const tokens = await connectAccount();
    const wrong = { ...tokens, accountId: sandbox.appScopedId(tokens.accountId) };
    const err = await caught(connector.subscriptions!.subscribe(wrong));
    expect(err).toMatchObject({ kind: 'permanent', platformCode: '100/33' });
  });
});

describe('per-metric resilience', () => {
  let tokens: TokenSet;
  const range = () => ({ since: new Date(clock.now() - 7 * DAY), until: new Date(clock.now()) });
  beforeEach(async () => {
    tokens = await connectAccount();
    sandbox.log.clear();
  });

  it('a refused account metric is absent with its reason; the other metrics and days are kept', async () => {
    const truth = sandbox.groundTruth(tokens.accountId);
    sandbox.refuse({ accountId: tokens.accountId, metric: 'profile_links_taps' });
    const snapshot = await connector.fetchAccount(tokens, range());
    expect(snapshot.unavailable).toEqual({
      profile_links_taps: expect.stringContaining('(#100) metric[0] must be one of the following values'),
    });
    expect(snapshot.daily).toHaveLength(5);
    for (const day of snapshot.daily!) {
      const expected = { ...truth.daily!.find((d) => d.date === day.date)!.metrics };
      delete expected.profile_links_taps;
      expect(day.metrics).toEqual(expected);
    }
    expect(snapshot.audience).toEqual(truth.audience);
    // The refusal is found once (one probe per metric), then left out of the other days' requests.
    const daily = sandbox.log
      .all({ endpoint: 'GET /{ig-user-id}/insights' })
      .filter((r) => r.query.period === 'day');
    expect(
      daily.filter((r) => r.status !== 200).map((r) => String(r.query.metric).split(',').length),
    ).toEqual([11, 1]);
    expect(daily.slice(1, 12).map((r) => r.query.metric)).toEqual([
      'reach',
      'views',
      'accounts_engaged',
      'total_interactions',
      'likes',
      'comments',
      'saves',
      'shares',
      'replies',
      'follows_and_unfollows',
      'profile_links_taps',
    ]);
    for (const r of daily.slice(12)) expect(String(r.query.metric).split(',')).toHaveLength(10);

    // Available again: the next snapshot has no unavailable map (the sink then removes it).
    sandbox.clearRefusals();
    expect((await connector.fetchAccount(tokens, range())).unavailable).toBeUndefined();
  });

  it('a refused demographic breakdown and a refused stories edge are recorded; the rest syncs', async () => {
    const truth = sandbox.groundTruth(tokens.accountId);
    sandbox.refuse({ accountId: tokens.accountId, breakdown: 'city' });
    sandbox.refuse({ accountId: tokens.accountId, edge: 'stories' });
    const snapshot = await connector.fetchAccount(tokens, range());
    expect(snapshot.unavailable).toEqual({
      'follower_demographics:city': expect.stringMatching(/^\(#10\) Not enough followers/),
      stories: '(#100) Tried accessing nonexisting field (stories) on node type (User)',
    });
    const { city: _city, ...rest } = truth.audience!;
    expect(snapshot.audience).toEqual(rest);
    expect(snapshot.daily).toHaveLength(5);
    // The stories edge answers an empty page instead of failing the sync; posts still list.
    expect(await connector.listItems(tokens, { kind: 'stories' })).toMatchObject({ items: [] });
    expect((await connector.listItems(tokens, { kind: 'posts' })).items.length).toBeGreaterThan(0);
  });

  it('a small account records why demographics are absent without asking for them', async () => {
    const small = sandbox.accountIds()[2]!;
    sandbox.login(small);
    const smallTokens = await connectAccount();
    const snapshot = await connector.fetchAccount(smallTokens, range());
    expect(snapshot.unavailable).toEqual({ follower_demographics: expect.stringContaining('100 followers') });
  });

  // Persistent: a single 5xx is retried inside the call (src/platforms/http) and would not fail the fetch.
  it('an outage is not a refusal: a 5xx still fails the fetch', async () => {
    sandbox.faults.add({ endpoint: 'GET /{ig-user-id}/insights', status: 503 });
    expect((await caught(connector.fetchAccount(tokens, range()))).kind).toBe('transient');
  });
});
