/**
 * The X connector against the in-process X sandbox over real HTTP: every method, the exact requests the sandbox
 * received (what a client pointed at api.x.com would send), failure classification, and ground truth.
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createCodeVerifier, codeChallenge } from '../../src/platforms/oauth/pkce';
import { isPlatformError, PlatformError } from '../../src/platforms/errors';
import {
  createTwitterConnector,
  twitterSettingsFromEnv,
  type TwitterConnector,
} from '../../src/platforms/twitter';
import type { Item, PlatformConnector, TokenSet } from '../../src/platforms/types';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import type { LoggedRequest } from '../../src/sandbox/core/request-log';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';

const REDIRECT = 'https://socialsync.example.com/oauth/twitter/callback';
const DAY = 86_400_000;

let clock: SandboxClock;
let sandbox: TwitterSandbox;
let server: RunningServer;
let connector: PlatformConnector;

function connectorFor(timeoutMs = 2000): PlatformConnector {
  const env = loadConfig({ ...sandbox.env(server.url), TWITTER_CALLS_PER_15MIN: '900' });
  return createTwitterConnector(twitterSettingsFromEnv(env), { timeoutMs, now: () => clock.now() });
}

beforeAll(async () => {
  // Frozen real time: metrics grow only when the test advances the clock, so API reads and ground truth agree.
  const start = Date.now();
  clock = new SandboxClock(() => start);
  sandbox = createTwitterSandbox({ clock, seed: 2026, accounts: 3, itemsPerAccount: 320, autoApprove: true });
  server = await listen(sandbox.handler);
  connector = connectorFor();
});
afterAll(() => server.close());
afterEach(() => sandbox.faults.clear());

/** Follows the authorize URL like a browser (auto-approve) and returns the code from the redirect. */
async function connect(accountId: string): Promise<TokenSet> {
  sandbox.world.login(accountId);
  const verifier = createCodeVerifier();
  const url = connector.oauth.authorizeUrl({
    state: 'state-123',
    redirectUri: REDIRECT,
    codeChallenge: codeChallenge(verifier, 'S256'),
  });
  const res = await fetch(url, { redirect: 'manual' });
  const location = new URL(res.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('state-123');
  return connector.oauth.exchangeCode({
    code: location.searchParams.get('code')!,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
}

function requests(endpoint: string): LoggedRequest[] {
  return sandbox.log.all({ endpoint });
}

function lastRequest(endpoint: string): LoggedRequest {
  const all = requests(endpoint);
  expect(all.length).toBeGreaterThan(0);
  return all[all.length - 1]!;
}

async function catchError(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    if (isPlatformError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

async function syncAll(token: TokenSet, opts: { sinceId?: string } = {}): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await connector.listItems(token, { kind: 'tweets', cursor, sinceId: opts.sinceId });
    items.push(...page.items);
    expect(page.usage).toEqual({ 'users/:id/tweets': 1 });
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('OAuth', () => {
  it('builds the authorize URL X documents', () => {
    const url = new URL(
      connector.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, codeChallenge: 'abc' }),
    );
    expect(url.origin + url.pathname).toBe(`${server.url}/i/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: sandbox.credentials.clientId,
      redirect_uri: REDIRECT,
      scope: 'tweet.read users.read offline.access',
      state: 's',
      code_challenge: 'abc',
      code_challenge_method: 'S256',
    });
    expect(connector.oauth.pkce).toBe('S256');
  });

  it('exchanges the code with Basic auth and the PKCE verifier, then reads the account id from users/me', async () => {
    sandbox.log.clear();
    const accountId = sandbox.accountIds()[0]!;
    const before = clock.now();
    const tokens = await connect(accountId);
    expect(tokens.accountId).toBe(accountId);
    expect(tokens.scopes).toEqual(['tweet.read', 'users.read', 'offline.access']);
    expect(tokens.refreshToken).toBeDefined();
    expect(tokens.expiresAt! - before).toBeGreaterThanOrEqual(7_200_000 - 1000);

    const token = lastRequest('POST /2/oauth2/token');
    const { clientId, clientSecret } = sandbox.credentials;
    expect(token.url).toBe('/2/oauth2/token');
    expect(token.headers.authorization).toBe(
      'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
    );
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(token.body));
    expect(Object.keys(form).sort()).toEqual(['code', 'code_verifier', 'grant_type', 'redirect_uri']);
    expect(form).toMatchObject({ grant_type: 'authorization_code', redirect_uri: REDIRECT });
    const me = lastRequest('GET /2/users/me');
    expect(me.url).toBe('/2/users/me?user.fields=public_metrics,created_at,username,name');
    expect(me.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
  });

  it('refreshes with rotation, shares one in-flight refresh, and a used refresh token → reauth_required', async () => {
    const tokens = await connect(sandbox.accountIds()[0]!);
    sandbox.log.clear();
    const [a, b] = await Promise.all([connector.oauth.refresh(tokens), connector.oauth.refresh(tokens)]);
    expect(a).toBe(b);
    expect(requests('POST /2/oauth2/token')).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(lastRequest('POST /2/oauth2/token').body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    expect(a.refreshToken).not.toBe(tokens.refreshToken);
    expect(a.accountId).toBe(tokens.accountId);
    const dead = await catchError(connector.oauth.refresh(tokens));
    expect(dead.kind).toBe('reauth_required');
    expect(dead.endpoint).toBe('POST /2/oauth2/token');
    expect(connector.oauth.refreshMarginMs).toBe(10 * 60_000);
  });

  it('revokes at X: both tokens stop working', async () => {
    const tokens = await connect(sandbox.accountIds()[2]!);
    sandbox.log.clear();
    expect(await connector.oauth.revoke(tokens)).toBe(true);
    const bodies = requests('POST /2/oauth2/revoke').map((r) =>
      Object.fromEntries(new URLSearchParams(r.body)),
    );
    expect(bodies).toEqual([
      { token: tokens.refreshToken, token_type_hint: 'refresh_token' },
      { token: tokens.accessToken, token_type_hint: 'access_token' },
    ]);
    expect(
      (await catchError(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() }))).kind,
    ).toBe('token_expired');
    expect((await catchError(connector.oauth.refresh(tokens))).kind).toBe('reauth_required');
  });
});

describe('data', () => {
  let tokens: TokenSet;
  let accountId: string;
  beforeAll(async () => {
    accountId = sandbox.accountIds()[1]!;
    tokens = await connect(accountId);
  });

  it('fetchAccount reads the profile from users/me and leaves insights and audience absent', async () => {
    sandbox.log.clear();
    const snapshot = await connector.fetchAccount(tokens, {
      since: new Date(clock.now() - DAY),
      until: new Date(clock.now()),
    });
    expect(snapshot).toEqual({
      accountId,
      profile: sandbox.groundTruth(accountId).profile,
      usage: { 'users/me': 1 },
      // One billable user read (X's pay-per-use pricing, docs/twitter.md → Cost).
      reads: { posts: 0, users: 1 },
    });
    expect(requests('GET /2/users/me')).toHaveLength(1);
    expect(lastRequest('GET /2/users/me').url).toBe(
      '/2/users/me?user.fields=public_metrics,created_at,username,name',
    );
  });

  it('listItems walks the last 30 days with non-public metrics, then older posts with public metrics only', async () => {
    sandbox.log.clear();
    const items = await syncAll(tokens);
    const timeline = requests('GET /2/users/:id/tweets');
    const boundary = timeline[0]!.query.start_time as string;
    expect(boundary).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(clock.now() - Date.parse(boundary)).toBeGreaterThan(29 * DAY);
    expect(clock.now() - Date.parse(boundary)).toBeLessThan(30 * DAY);

    const recent = timeline.filter((r) => r.query.start_time !== undefined);
    const older = timeline.filter((r) => r.query.end_time !== undefined);
    expect(recent.length + older.length).toBe(timeline.length);
    expect(recent[0]!.url).toBe(
      `/2/users/${accountId}/tweets?max_results=100&start_time=${boundary}&exclude=retweets&tweet.fields=created_at,public_metrics,non_public_metrics,organic_metrics`,
    );
    expect(older[0]!.url).toBe(
      `/2/users/${accountId}/tweets?max_results=100&end_time=${new Date(Date.parse(boundary) + 1000).toISOString().replace('.000Z', 'Z')}&exclude=retweets&tweet.fields=created_at,public_metrics`,
    );
    expect(older.slice(1).every((r) => typeof r.query.pagination_token === 'string')).toBe(true);
    for (const r of timeline) {
      expect(r.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
      expect(r.headers['user-agent']).toBe('socialsync/0.1');
      expect(r.status).toBe(200);
    }

    // Every reachable original post and reply, each once, equal to the sandbox's own normalized truth.
    const truth = sandbox.groundTruth(accountId).items.tweets!;
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.size).toBe(items.length);
    expect([...byId.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...truth].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('listItems with sinceId only asks for newer posts (since_id) and stops after the recent phase', async () => {
    const created = await sandbox.world.createItem(accountId, { text: 'brand new' });
    const truth = sandbox.groundTruth(accountId).items.tweets!;
    const sinceId = truth[1]!.id;
    sandbox.log.clear();
    const items = await syncAll(tokens, { sinceId });
    expect(items.map((i) => i.id)).toEqual([created.id]);
    const timeline = requests('GET /2/users/:id/tweets');
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.query.since_id).toBe(sinceId);
  });

  it('pageSize is clamped to 5..100', async () => {
    sandbox.log.clear();
    await connector.listItems(tokens, { kind: 'tweets', pageSize: 1 });
    await connector.listItems(tokens, { kind: 'tweets', pageSize: 1000 });
    expect(requests('GET /2/users/:id/tweets').map((r) => r.query.max_results)).toEqual(['5', '100']);
  });

  it('refreshItems looks posts up by id (non-public fields only for recent ids) and reports deleted ones as missing', async () => {
    const truth = sandbox.groundTruth(accountId).items.tweets!;
    const recent = truth.filter((t) => clock.now() - Date.parse(t.createdAt) < 20 * DAY).slice(0, 3);
    const old = truth.filter((t) => clock.now() - Date.parse(t.createdAt) > 40 * DAY).slice(0, 3);
    expect(recent.length).toBe(3);
    expect(old.length).toBe(3);
    await sandbox.world.deleteItem(accountId, old[2]!.id);
    sandbox.log.clear();
    const result = await connector.refreshItems(tokens, {
      kind: 'tweets',
      ids: [...recent, ...old].map((t) => t.id),
    });
    expect(result.missing).toEqual([old[2]!.id]);
    expect(result.usage).toEqual({ tweets: 2 });
    const after = sandbox.groundTruth(accountId).items.tweets!;
    expect(result.items.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      after.filter((t) => result.items.some((i) => i.id === t.id)).sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(result.items).toHaveLength(5);
    const urls = requests('GET /2/tweets').map((r) => r.url);
    expect(urls).toEqual([
      `/2/tweets?ids=${recent.map((t) => t.id).join(',')}&tweet.fields=created_at,public_metrics,non_public_metrics,organic_metrics`,
      `/2/tweets?ids=${old.map((t) => t.id).join(',')}&tweet.fields=created_at,public_metrics`,
    ]);
    expect(await connector.refreshItems(tokens, { kind: 'posts', ids: ['1'] })).toEqual({
      items: [],
      missing: [],
      unsupported: ['1'],
      usage: {},
    });
  });

  it('metrics of old posts change with time and a re-sync sees the new values', async () => {
    clock.advance(2 * DAY);
    // Two days later the 2-hour access token is long dead: refresh first, as the engine does.
    tokens = await connector.oauth.refresh(tokens);
    const items = await syncAll(tokens);
    const truth = sandbox.groundTruth(accountId).items.tweets!;
    expect(items.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...truth].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });
});

describe('failure classification', () => {
  let tokens: TokenSet;
  beforeAll(async () => {
    tokens = await connect(sandbox.accountIds()[0]!);
  });

  it('an expired access token → token_expired; refresh then works', async () => {
    sandbox.world.expireTokens(tokens.accountId);
    const err = await catchError(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() }));
    expect(err).toMatchObject({ kind: 'token_expired', status: 401, endpoint: 'GET /2/users/me' });
    tokens = await connector.oauth.refresh(tokens);
    await expect(
      connector.fetchAccount(tokens, { since: new Date(0), until: new Date() }),
    ).resolves.toMatchObject({ accountId: tokens.accountId });
  });

  it('a revoked consent → token_expired on the call, reauth_required on the refresh', async () => {
    const victim = await connect(sandbox.accountIds()[2]!);
    await sandbox.world.revokeAccount(victim.accountId);
    expect((await catchError(connector.listItems(victim, { kind: 'tweets' }))).kind).toBe('token_expired');
    expect((await catchError(connector.oauth.refresh(victim))).kind).toBe('reauth_required');
  });

  it('429 → rate_limited with retryAt from x-rate-limit-reset', async () => {
    sandbox.faults.add({
      endpoint: 'GET /2/users/:id/tweets',
      rateLimit: true,
      retryAfterSeconds: 300,
      times: 1,
    });
    const err = await catchError(connector.listItems(tokens, { kind: 'tweets' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAt).toBe(Math.ceil((clock.now() + 300_000) / 1000) * 1000);
  });

  it('a real per-user window exhausted → rate_limited until the oldest call leaves it', async () => {
    sandbox.world.setLimits({ perUser: 2 });
    try {
      const local = await connect(sandbox.accountIds()[1]!); // exchangeCode used users/me once
      await connector.fetchAccount(local, { since: new Date(0), until: new Date() });
      const err = await catchError(connector.fetchAccount(local, { since: new Date(0), until: new Date() }));
      expect(err.kind).toBe('rate_limited');
      expect(err.retryAt!).toBeGreaterThan(clock.now() + 14 * 60_000);
    } finally {
      sandbox.world.setLimits({ perUser: 900 });
    }
  });

  // Persistent faults: one transient failure is retried inside the connector (src/platforms/http), so only a
  // failure that outlasts those retries reaches the caller.
  it('5xx that persists → transient, after the bounded in-call retries (each one counted)', async () => {
    sandbox.log.clear();
    sandbox.faults.add({ endpoint: 'GET /2/users/me', status: 503 });
    expect(
      await catchError(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() })),
    ).toMatchObject({ kind: 'transient', status: 503 });
    expect(requests('GET /2/users/me').map((r) => r.status)).toEqual([503, 503, 503]);
  });

  it('a single 5xx is retried inside the connector; the retry is in the usage', async () => {
    sandbox.log.clear();
    sandbox.faults.add({ endpoint: 'GET /2/users/me', status: 503, times: 1 });
    const snapshot = await connector.fetchAccount(tokens, { since: new Date(0), until: new Date() });
    expect(snapshot.usage).toEqual({ 'users/me': 2 });
    expect(requests('GET /2/users/me').map((r) => r.status)).toEqual([503, 200]);
  });

  it('token exchange and refresh are never retried in the call: a 5xx there is transient at once', async () => {
    sandbox.log.clear();
    sandbox.faults.add({ endpoint: 'POST /2/oauth2/token', status: 503, times: 1 });
    expect((await catchError(connector.oauth.refresh(tokens))).kind).toBe('transient');
    expect(requests('POST /2/oauth2/token')).toHaveLength(1);
  });

  it('timeout that persists → transient', async () => {
    const quick = connectorFor(300);
    sandbox.faults.add({ endpoint: 'GET /2/tweets', timeout: true });
    const err = await catchError(
      quick.refreshItems(tokens, { kind: 'tweets', ids: ['1880000000000000000'] }),
    );
    expect(err.kind).toBe('transient');
    expect(err.platformCode).toBe('ETIMEDOUT');
  });

  it('connection reset that persists → transient', async () => {
    sandbox.faults.add({ endpoint: 'GET /2/users/:id/tweets', reset: true });
    const err = await catchError(connector.listItems(tokens, { kind: 'tweets' }));
    expect(err.kind).toBe('transient');
    expect(err.platformCode).toBe('ECONNRESET');
  });

  it('a cursor not written by the connector, or an unknown kind → permanent / unsupported', async () => {
    expect((await catchError(connector.listItems(tokens, { kind: 'tweets', cursor: 'garbage' }))).kind).toBe(
      'permanent',
    );
    expect((await catchError(connector.listItems(tokens, { kind: 'videos' }))).kind).toBe('unsupported');
  });

  it('declares the per-user budgets from the notes and the environment', () => {
    expect(connector.rateLimits).toEqual([
      { bucket: 'users/:id/tweets', limit: 900, windowMs: 900_000 },
      { bucket: 'users/me', limit: 75, windowMs: 900_000 },
      { bucket: 'tweets', limit: 5000, windowMs: 900_000 },
    ]);
  });
});

describe('real-time delivery through the connector', () => {
  let receiver: WebhookReceiver;
  let hooked: TwitterConnector;
  const hookUrl = () => `${receiver.url}/webhooks/twitter`;

  /** A connector as a service at `base` would build it (PUBLIC_BASE_URL = base). */
  function serviceConnector(base: string, extra: Record<string, string> = {}): TwitterConnector {
    const env = loadConfig({ ...sandbox.env(server.url), PUBLIC_BASE_URL: base, ...extra });
    return createTwitterConnector(twitterSettingsFromEnv(env), { timeoutMs: 2000, now: () => clock.now() });
  }
  const subsOf = (userId: string) =>
    [...sandbox.world.delivery.subscriptions.values()].filter((s) => s.filter.user_id === userId);

  beforeAll(async () => {
    // The receiver answers with the consumer secret, as the service's /webhooks/twitter does.
    receiver = await startWebhookReceiver(connector.webhooks, () => clock.now());
    hooked = serviceConnector(receiver.url);
  });
  afterAll(() => receiver.close());

  it('without the consumer key and secret there is no registration and no subscription port', () => {
    const env = loadConfig({
      ...sandbox.env(server.url),
      TWITTER_CONSUMER_KEY: '',
      TWITTER_CONSUMER_SECRET: '',
    });
    const bare = createTwitterConnector(twitterSettingsFromEnv(env));
    expect(bare.subscriptions).toBeUndefined();
    expect(bare.registerWebhook).toBeUndefined();
  });

  it('registers {PUBLIC_BASE_URL}/webhooks/twitter with the app bearer after X’s CRC check, then reuses it', async () => {
    sandbox.log.clear();
    const registration = await hooked.registerWebhook!();
    expect(registration).toMatchObject({ url: hookUrl(), action: 'created', revokeSubscribed: true });
    const token = lastRequest('POST /oauth2/token');
    const { consumerKey, consumerSecret } = sandbox.credentials;
    expect(token.headers.authorization).toBe(
      'Basic ' + Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64'),
    );
    expect(token.body).toBe('grant_type=client_credentials');
    const created = lastRequest('POST /2/webhooks');
    expect(JSON.parse(created.body)).toEqual({ url: hookUrl() });
    expect(created.headers.authorization).toMatch(/^Bearer AAAA/);
    expect(sandbox.world.delivery.webhooks.get(registration.webhookId)).toMatchObject({ valid: true });
    // Same process: one registration. Another process (a restart): the same webhook, reused, nothing created.
    expect(await hooked.registerWebhook!()).toBe(registration);
    sandbox.log.clear();
    expect(await serviceConnector(receiver.url).registerWebhook!()).toEqual({
      ...registration,
      action: 'reused',
    });
    expect(requests('POST /2/webhooks')).toHaveLength(0);
    expect(requests('POST /2/activity/subscriptions')).toHaveLength(0);
    expect(sandbox.world.delivery.webhooks.size).toBe(1);
    // X marked it invalid (a failed hourly CRC): the next registration re-validates it with PUT.
    sandbox.world.delivery.invalidateWebhook(registration.webhookId);
    expect(await serviceConnector(receiver.url).registerWebhook!()).toMatchObject({ action: 'revalidated' });
    expect(requests('PUT /2/webhooks/:webhook_id')).toHaveLength(1);
  });

  it('a refused oauth.revoke subscription does not fail the registration (revokes then surface at the next sync)', async () => {
    const other = await startWebhookReceiver(connector.webhooks, () => clock.now());
    try {
      sandbox.faults.add({ endpoint: 'POST /2/activity/subscriptions', status: 400, times: 1 });
      const registration = await serviceConnector(other.url).registerWebhook!();
      expect(registration).toMatchObject({ action: 'created', revokeSubscribed: false });
      expect(sandbox.world.delivery.webhooks.get(registration.webhookId)).toMatchObject({ valid: true });
    } finally {
      await other.close();
    }
  });

  it('a URL that fails the CRC check or wrong consumer credentials → permanent errors naming the cause', async () => {
    const silent = await listen((_req, res) => res.writeHead(404).end());
    try {
      const err = await catchError(serviceConnector(silent.url).registerWebhook!());
      expect(err).toMatchObject({
        kind: 'permanent',
        endpoint: 'POST /2/webhooks',
        platformCode: 'CrcValidationFailed',
      });
      expect(err.message).toContain(`${silent.url}/webhooks/twitter`);
    } finally {
      await silent.close();
    }
    // The OAuth 2.0 client secret is not the consumer secret: X refuses it for the app bearer.
    const wrong = serviceConnector(receiver.url, {
      TWITTER_CONSUMER_SECRET: sandbox.credentials.clientSecret,
    });
    const refused = await catchError(wrong.registerWebhook!());
    expect(refused).toMatchObject({ kind: 'permanent', endpoint: 'POST /oauth2/token', status: 403 });
    expect(refused.message).toContain('TWITTER_CONSUMER_SECRET');
  });

  it('subscribes a connected user (idempotent), delivers only their posts, and unsubscribes on disconnect', async () => {
    const [mine, stranger] = sandbox.accountIds() as [string, string];
    const tokens = await connect(mine);
    await hooked.subscriptions!.subscribe(tokens);
    await hooked.subscriptions!.subscribe(tokens); // a reconnect
    const { webhookId } = await hooked.registerWebhook!();
    expect(
      subsOf(mine)
        .map((s) => [s.event_type, s.webhook_id, s.tag])
        .sort(),
    ).toEqual([
      ['post.create', webhookId, 'socialsync'],
      ['post.delete', webhookId, 'socialsync'],
    ]);
    const create = lastRequest('POST /2/activity/subscriptions');
    expect(create.headers.authorization).toMatch(/^Bearer AAAA/); // public events: the app bearer

    receiver.events.length = 0;
    const post = await sandbox.world.createItem(mine, { text: 'via webhook' });
    await sandbox.world.createItem(stranger, { text: 'nobody subscribed this user' });
    await sandbox.world.deleteItem(mine, post.id);
    expect(receiver.events).toEqual([
      expect.objectContaining({ type: 'item_created', itemId: post.id, accountId: mine, itemKind: 'tweets' }),
      expect.objectContaining({ type: 'item_deleted', itemId: post.id, accountId: mine, itemKind: 'tweets' }),
    ]);

    // Another tool's subscription for the same user is not ours to delete.
    const foreign = sandbox.world.delivery.createSubscription({
      event_type: 'post.create',
      filter: { user_id: mine },
      tag: 'another-tool',
      webhook_id: webhookId,
    });
    await hooked.subscriptions!.unsubscribe(tokens);
    expect(subsOf(mine)).toEqual([foreign]);
    sandbox.world.delivery.deleteSubscription(foreign.subscription_id);
    expect(lastRequest('DELETE /2/activity/subscriptions/:subscription_id').headers.authorization).toMatch(
      /^Bearer AAAA/,
    );
    receiver.events.length = 0;
    await sandbox.world.createItem(mine, { text: 'after disconnect' });
    expect(receiver.events).toEqual([]);
    await expect(hooked.subscriptions!.unsubscribe(tokens)).resolves.toBeUndefined();
    // An account id that is not X's never becomes a filter.
    const odd = await catchError(hooked.subscriptions!.subscribe({ ...tokens, accountId: '../42' }));
    expect(odd.kind).toBe('permanent');
  });

  it('fetches a new app bearer when X invalidated the old one; 5xx, resets and 429 are classified', async () => {
    const tokens = await connect(sandbox.accountIds()[0]!);
    sandbox.world.delivery.invalidateAppToken();
    sandbox.log.clear();
    await hooked.subscriptions!.subscribe(tokens);
    expect(requests('POST /oauth2/token')).toHaveLength(1);
    expect(requests('GET /2/activity/subscriptions').map((r) => r.status)).toEqual([401, 200]);

    // Persistent faults: a read's single transient failure is retried inside the call (src/platforms/http).
    sandbox.faults.add({ endpoint: 'GET /2/activity/subscriptions', status: 503 });
    expect(await catchError(hooked.subscriptions!.unsubscribe(tokens))).toMatchObject({
      kind: 'transient',
      status: 503,
    });
    sandbox.faults.clear();
    sandbox.faults.add({ endpoint: 'GET /2/activity/subscriptions', reset: true });
    expect((await catchError(hooked.subscriptions!.unsubscribe(tokens))).kind).toBe('transient');
    sandbox.faults.clear();
    sandbox.faults.add({
      endpoint: 'GET /2/activity/subscriptions',
      rateLimit: true,
      retryAfterSeconds: 120,
      times: 1,
    });
    const limited = await catchError(hooked.subscriptions!.unsubscribe(tokens));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAt).toBe(Math.ceil((clock.now() + 120_000) / 1000) * 1000);
    await hooked.subscriptions!.unsubscribe(tokens);
  });

  it('refuses a delivery signed with the OAuth 2.0 client secret (401), accepts the consumer secret', async () => {
    const body = JSON.stringify({
      data: { event_type: 'post.create', filter: { user_id: '42' }, payload: { id: '1', author_id: '42' } },
    });
    const sign = (secret: string) => 'sha256=' + createHmac('sha256', secret).update(body).digest('base64');
    const send = (signature: string) =>
      fetch(hookUrl(), { method: 'POST', headers: { 'x-twitter-webhooks-signature': signature }, body });
    expect((await send(sign(sandbox.credentials.clientSecret))).status).toBe(401);
    expect((await send(sign(sandbox.credentials.consumerSecret))).status).toBe(200);
  });
});
