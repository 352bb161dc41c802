/**
 * The TikTok connector against the in-process sandbox over real HTTP: what it sends (asserted on the sandbox's
 * request log, i.e. what TikTok's servers would receive), what it makes of the answers, and how it classifies
 * every failure.
 */
import http from 'node:http';
import { loadConfig } from '../../src/config';
import { isPlatformError, PlatformError } from '../../src/platforms/errors';
import { codeChallenge, createCodeVerifier } from '../../src/platforms/oauth/pkce';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { Item, type PlatformConnector, type TokenSet } from '../../src/platforms/types';
import { listen } from '../../src/sandbox/core/http';
import {
  REDIRECT_URI,
  VIDEO_FIELDS_QS,
  control,
  startReceiver,
  startTikTok,
  type TikTokHarness,
} from '../sandbox/tiktok-harness';

const USER_FIELDS_QS =
  'open_id,union_id,avatar_url,display_name,username,follower_count,following_count,likes_count,video_count';
const SCOPES = 'user.info.basic,user.info.profile,user.info.stats,video.list';

let h: TikTokHarness;
let connector: PlatformConnector;

function connectorFor(harness: TikTokHarness, timeoutMs?: number): PlatformConnector {
  return createTikTokConnector(tiktokSettingsFromEnv(loadConfig(harness.env)), { timeoutMs });
}

/** The connector's own OAuth dance against the sandbox (authorize with autoApprove → code → tokens). */
async function connect(c: PlatformConnector = connector): Promise<TokenSet> {
  const verifier = createCodeVerifier();
  const url = c.oauth.authorizeUrl({
    state: 'state-1',
    redirectUri: REDIRECT_URI,
    codeChallenge: codeChallenge(verifier, c.oauth.pkce as 'S256-hex'),
  });
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  return c.oauth.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: verifier });
}

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    if (isPlatformError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

const logOf = (endpoint: string) => h.sandbox.log.all({ endpoint });

beforeEach(async () => {
  h = await startTikTok();
  connector = connectorFor(h);
});
afterEach(async () => {
  await h.close();
});

describe('OAuth', () => {
  it('builds the authorize URL TikTok documents, with a hex S256 challenge', () => {
    const verifier = createCodeVerifier();
    const challenge = codeChallenge(verifier, 'S256-hex');
    const url = new URL(
      connector.oauth.authorizeUrl({ state: 'st', redirectUri: REDIRECT_URI, codeChallenge: challenge }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${h.url}/v2/auth/authorize/`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_key: h.clientKey,
      scope: SCOPES,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(connector.oauth.pkce).toBe('S256-hex');
    expect(connector.oauth.refreshMarginMs).toBe(3_600_000);
  });

  it('exchanges the code with exactly the documented form and returns a TokenSet', async () => {
    const before = Date.now();
    const tokens = await connect();
    const [entry] = logOf('POST /v2/oauth/token/');
    expect(entry!.url).toBe('/v2/oauth/token/');
    expect(entry!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(entry!.body));
    expect(Object.keys(form).sort()).toEqual([
      'client_key',
      'client_secret',
      'code',
      'code_verifier',
      'grant_type',
      'redirect_uri',
    ]);
    expect(form).toMatchObject({
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    });
    expect(form.code).toContain('*0!'); // URL-decoded before sending

    expect(tokens.accountId).toBe(h.sandbox.accountIds()[0]);
    expect(tokens.scopes).toEqual(SCOPES.split(','));
    expect(tokens.accessToken).toMatch(/^act\./);
    expect(tokens.expiresAt! - before).toBeGreaterThanOrEqual(86_400_000);
    expect(tokens.expiresAt! - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(tokens.refreshExpiresAt! - tokens.issuedAt).toBe(31_536_000_000);
  });

  it('refresh rotates the refresh token; the old one then needs reauth', async () => {
    const tokens = await connect();
    const fresh = await connector.oauth.refresh(tokens);
    expect(fresh.refreshToken).not.toBe(tokens.refreshToken);
    expect(fresh.accessToken).not.toBe(tokens.accessToken);
    const [entry] = logOf('POST /v2/oauth/token/').slice(-1);
    expect(Object.fromEntries(new URLSearchParams(entry!.body))).toEqual({
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    const err = await failure(connector.oauth.refresh(tokens));
    expect(err).toMatchObject({
      kind: 'reauth_required',
      platformCode: 'invalid_grant',
      endpoint: 'POST /v2/oauth/token/',
    });
  });

  it('concurrent refreshes of one token share a single request', async () => {
    const tokens = await connect();
    const results = await Promise.all([
      connector.oauth.refresh(tokens),
      connector.oauth.refresh(tokens),
      connector.oauth.refresh(tokens),
    ]);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(
      logOf('POST /v2/oauth/token/').filter((e) => e.body.includes('grant_type=refresh_token')),
    ).toHaveLength(1);
    // Once settled, a later refresh (with the new token) is a new request.
    await connector.oauth.refresh(results[0]!);
    expect(
      logOf('POST /v2/oauth/token/').filter((e) => e.body.includes('grant_type=refresh_token')),
    ).toHaveLength(2);
  });

  it('revoke ends the consent: data calls fail, refresh needs reauth', async () => {
    const tokens = await connect();
    expect(await connector.oauth.revoke(tokens)).toBe(true);
    const [entry] = logOf('POST /v2/oauth/revoke/');
    expect(Object.fromEntries(new URLSearchParams(entry!.body))).toEqual({
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      token: tokens.accessToken,
    });
    expect(
      await failure(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() })),
    ).toMatchObject({
      kind: 'token_expired',
      status: 401,
      platformCode: 'access_token_invalid',
    });
    expect((await failure(connector.oauth.refresh(tokens))).kind).toBe('reauth_required');
  });

  it('bad client credentials are permanent', async () => {
    const wrong = createTikTokConnector({
      ...tiktokSettingsFromEnv(loadConfig(h.env)),
      clientSecret: 'nope',
    });
    const err = await failure(connect(wrong));
    expect(err).toMatchObject({ kind: 'permanent', status: 401, platformCode: 'invalid_client' });
  });
});

describe('data', () => {
  it('fetchAccount asks user/info for the documented fields and matches the ground truth', async () => {
    const tokens = await connect();
    const snapshot = await connector.fetchAccount(tokens, {
      since: new Date(Date.now() - 86_400_000),
      until: new Date(),
    });
    const [entry] = logOf('GET /v2/user/info/');
    expect(entry!.method).toBe('GET');
    expect(entry!.url).toBe(`/v2/user/info/?fields=${USER_FIELDS_QS}`);
    expect(entry!.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
    expect(entry!.body).toBe('');

    const truth = h.sandbox.groundTruth(tokens.accountId);
    expect(snapshot.accountId).toBe(tokens.accountId);
    expect(snapshot.profile).toEqual(truth.profile);
    expect(snapshot.insights).toEqual(truth.insights);
    expect(snapshot.usage).toEqual({ 'user/info': 1 });
    expect(snapshot).not.toHaveProperty('audience');
    expect(snapshot).not.toHaveProperty('daily');
  });

  it('listItems walks every page (short ones too) with the documented body and equals the ground truth', async () => {
    const tokens = await connect();
    const items: Item[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let shortPagesWithMore = 0;
    do {
      const page = await connector.listItems(tokens, { kind: 'videos', cursor });
      expect(page.usage).toEqual({ 'video/list': 1 });
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor !== undefined && page.items.length < 20) shortPagesWithMore += 1;
      pages += 1;
    } while (cursor !== undefined);
    // The sandbox returns short pages with has_more, as TikTok does: the walk must not stop at them.
    expect(shortPagesWithMore).toBeGreaterThan(0);

    const requests = logOf('POST /v2/video/list/');
    expect(requests).toHaveLength(pages);
    for (const [i, r] of requests.entries()) {
      expect(r.url).toBe(`/v2/video/list/?fields=${VIDEO_FIELDS_QS}`);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
      const body = JSON.parse(r.body);
      if (i === 0) expect(body).toEqual({ max_count: 20 });
      else expect(body).toEqual({ cursor: expect.any(Number), max_count: 20 });
    }
    for (const item of items) Item.parse(item);
    expect(items).toEqual(h.sandbox.groundTruth(tokens.accountId).items.videos);
  });

  it('refreshItems batches ids by 20 through video/query and reports missing ids', async () => {
    const tokens = await connect();
    const truth = h.sandbox.groundTruth(tokens.accountId).items.videos!;
    const ids = [...truth.slice(0, 43).map((v) => v.id), '7000000000000000001', '7000000000000000002'];
    const result = await connector.refreshItems(tokens, { kind: 'videos', ids });
    const requests = logOf('POST /v2/video/query/');
    expect(requests.map((r) => JSON.parse(r.body).filters.video_ids.length)).toEqual([20, 20, 5]);
    expect(requests[0]!.url).toBe(`/v2/video/query/?fields=${VIDEO_FIELDS_QS}`);
    expect(JSON.parse(requests[0]!.body)).toEqual({ filters: { video_ids: ids.slice(0, 20) } });
    expect(result.missing).toEqual(['7000000000000000001', '7000000000000000002']);
    expect(result.usage).toEqual({ 'video/query': 3 });
    expect(result.items).toEqual(truth.slice(0, 43));
  });

  it('a deleted video comes back missing; an edited one with its new values', async () => {
    const tokens = await connect();
    const [a, b] = h.sandbox.groundTruth(tokens.accountId).items.videos!;
    await control(h, 'DELETE', `/accounts/${tokens.accountId}/items/${a!.id}`);
    await control(h, 'PATCH', `/accounts/${tokens.accountId}/items/${b!.id}`, { metrics: { views: 123456 } });
    const result = await connector.refreshItems(tokens, { kind: 'videos', ids: [a!.id, b!.id] });
    expect(result.missing).toEqual([a!.id]);
    expect(result.items[0]!.metrics.views).toBe(123456);
  });

  it('a token without user.info.stats asks only for allowed fields; without video.list, listing needs reauth', async () => {
    const verifier = createCodeVerifier();
    const url = new URL(
      connector.oauth.authorizeUrl({
        state: 's',
        redirectUri: REDIRECT_URI,
        codeChallenge: codeChallenge(verifier, 'S256-hex'),
      }),
    );
    url.searchParams.set('scope', 'user.info.basic,user.info.profile'); // the user granted less
    const code = new URL(
      (await fetch(url, { redirect: 'manual' })).headers.get('location')!,
    ).searchParams.get('code')!;
    const tokens = await connector.oauth.exchangeCode({
      code,
      redirectUri: REDIRECT_URI,
      codeVerifier: verifier,
    });
    expect(tokens.scopes).toEqual(['user.info.basic', 'user.info.profile']);

    const snapshot = await connector.fetchAccount(tokens, { since: new Date(0), until: new Date() });
    expect(logOf('GET /v2/user/info/')[0]!.query).toEqual({
      fields: 'open_id,union_id,avatar_url,display_name,username',
    });
    expect(snapshot.profile).not.toHaveProperty('followers');
    expect(snapshot).not.toHaveProperty('insights');
    expect(await failure(connector.listItems(tokens, { kind: 'videos' }))).toMatchObject({
      kind: 'reauth_required',
      platformCode: 'scope_not_authorized',
      status: 401,
    });
  });

  it('non-video kinds are unsupported, never invented', async () => {
    const tokens = await connect();
    expect((await failure(connector.listItems(tokens, { kind: 'posts' }))).kind).toBe('unsupported');
    expect(await connector.refreshItems(tokens, { kind: 'tweets', ids: ['1'] })).toEqual({
      items: [],
      missing: [],
      unsupported: ['1'],
      usage: {},
    });
    expect(connector.rateLimits).toEqual([
      { bucket: 'user/info', limit: 600, windowMs: 60_000 },
      { bucket: 'video/list', limit: 600, windowMs: 60_000 },
      { bucket: 'video/query', limit: 600, windowMs: 60_000 },
    ]);
  });
});

describe('failures are classified where they happen', () => {
  it('expired token → token_expired; a refresh fixes it', async () => {
    const tokens = await connect();
    await control(h, 'POST', `/accounts/${tokens.accountId}/expire-tokens`);
    expect((await failure(connector.listItems(tokens, { kind: 'videos' }))).kind).toBe('token_expired');
    const fresh = await connector.oauth.refresh(tokens);
    expect((await connector.listItems(fresh, { kind: 'videos' })).items.length).toBeGreaterThan(0);
  });

  it('consent revoked in TikTok → token_expired on data, reauth_required on refresh', async () => {
    const tokens = await connect();
    await control(h, 'POST', `/accounts/${tokens.accountId}/revoke`);
    expect(
      (await failure(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() }))).kind,
    ).toBe('token_expired');
    expect((await failure(connector.oauth.refresh(tokens))).kind).toBe('reauth_required');
  });

  it('429 → rate_limited with retryAt one window ahead (TikTok sends no reset header)', async () => {
    const tokens = await connect();
    await control(h, 'PUT', '/limits', { perUser: 1 });
    await connector.listItems(tokens, { kind: 'videos' });
    const before = Date.now();
    const err = await failure(connector.listItems(tokens, { kind: 'videos' }));
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, platformCode: 'rate_limit_exceeded' });
    expect(err.retryAt!).toBeGreaterThanOrEqual(before + 60_000);
    expect(err.retryAt!).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  // Persistent faults on data endpoints: one transient failure is retried inside the connector
  // (src/platforms/http), so only a failure that outlasts those retries reaches the caller. The token endpoint is
  // never retried there, so one 503 is enough.
  it('5xx, reset and timeout that persist → transient', async () => {
    const tokens = await connect();
    await control(h, 'POST', '/faults', { endpoint: 'POST /v2/video/query/', status: 500 });
    expect(await failure(connector.refreshItems(tokens, { kind: 'videos', ids: ['1'] }))).toMatchObject({
      kind: 'transient',
      status: 500,
      platformCode: 'internal_error',
    });
    await control(h, 'DELETE', '/faults');
    await control(h, 'POST', '/faults', { endpoint: 'GET /v2/user/info/', reset: true });
    expect(
      (await failure(connector.fetchAccount(tokens, { since: new Date(0), until: new Date() }))).kind,
    ).toBe('transient');

    const impatient = connectorFor(h, 300);
    await control(h, 'DELETE', '/faults');
    await control(h, 'POST', '/faults', { endpoint: 'POST /v2/video/list/', timeout: true });
    const err = await failure(impatient.listItems(tokens, { kind: 'videos' }));
    expect(err.kind).toBe('transient');
    expect(err.endpoint).toBe('POST /v2/video/list/');

    await control(h, 'DELETE', '/faults');
    await control(h, 'POST', '/faults', { endpoint: 'POST /v2/oauth/token/', status: 503, times: 1 });
    expect((await failure(connector.oauth.refresh(tokens))).kind).toBe('transient');
    expect(logOf('POST /v2/oauth/token/').filter((r) => r.status === 503)).toHaveLength(1);
  });

  it('a single 5xx on a read-only POST query is retried in the call and charged to its bucket', async () => {
    const tokens = await connect();
    const [video] = h.sandbox.groundTruth(tokens.accountId).items.videos!;
    await control(h, 'POST', '/faults', { endpoint: 'POST /v2/video/query/', status: 500, times: 1 });
    const result = await connector.refreshItems(tokens, { kind: 'videos', ids: [video!.id] });
    expect(result.items.map((i) => i.id)).toEqual([video!.id]);
    expect(result.usage).toEqual({ 'video/query': 2 });
    expect(logOf('POST /v2/video/query/').map((r) => r.status)).toEqual([500, 200]);
  });

  it('a changed response shape is permanent and names the field', async () => {
    // A stand-in TikTok that answers 200 with a counter of the wrong type.
    const server = await listen((_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: { user: { open_id: 'x', follower_count: 'many' } },
          error: { code: 'ok', message: '', log_id: '1' },
        }),
      );
    });
    try {
      const c = createTikTokConnector({ ...tiktokSettingsFromEnv(loadConfig(h.env)), apiUrl: server.url });
      const tokens: TokenSet = { accessToken: 'act.x', scopes: [], accountId: 'x', issuedAt: Date.now() };
      const err = await failure(c.fetchAccount(tokens, { since: new Date(0), until: new Date() }));
      expect(err.kind).toBe('permanent');
      expect(err.message).toContain('GET /v2/user/info/');
      expect(err.message).toContain('data.user.follower_count');
    } finally {
      await server.close();
    }
  });
});

describe('webhooks end to end', () => {
  it('deliveries signed by the sandbox verify and parse into events', async () => {
    const receiver = await startReceiver();
    try {
      const tokens = await connect();
      await control(h, 'POST', '/webhooks/subscribe', { url: receiver.url });
      const item = (await control(h, 'POST', `/accounts/${tokens.accountId}/items`, { text: 'hello' })).json;
      await control(h, 'POST', `/accounts/${tokens.accountId}/revoke`);
      const results = receiver.received.map((d) =>
        connector.webhooks.handle({
          method: 'POST',
          headers: d.headers,
          query: {},
          rawBody: d.body,
          now: Date.now(),
        }),
      );
      expect(results.map((r) => r.kind === 'events' && r.events[0])).toEqual([
        expect.objectContaining({
          type: 'item_created',
          itemKind: 'videos',
          itemId: item.id,
          accountId: tokens.accountId,
        }),
        expect.objectContaining({ type: 'authorization_revoked', accountId: tokens.accountId }),
      ]);
      // A connector holding another app's secret refuses them.
      const other = createTikTokConnector({
        ...tiktokSettingsFromEnv(loadConfig(h.env)),
        clientSecret: 'other',
      });
      const d = receiver.received[0]!;
      expect(
        other.webhooks.handle({
          method: 'POST',
          headers: d.headers,
          query: {},
          rawBody: d.body,
          now: Date.now(),
        }),
      ).toMatchObject({
        kind: 'rejected',
        status: 401,
      });
    } finally {
      await receiver.close();
    }
  });
});
