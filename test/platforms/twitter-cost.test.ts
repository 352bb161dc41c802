/**
 * X cost awareness at the connector and the X sandbox, over real HTTP: billable reads counted per resource
 * returned, `GET /2/tweets?ids=` with deleted ids (answered in `errors` as resource-not-found, not billed), and the
 * monthly usage cap answered and classified as X does it (429 usage-capped while the window still has room).
 */
import { loadConfig } from '../../src/config';
import { isPlatformError } from '../../src/platforms/errors';
import { createTwitterConnector, twitterSettingsFromEnv } from '../../src/platforms/twitter';
import { nextCapReset } from '../../src/platforms/twitter/errors';
import type { PlatformConnector, TokenSet } from '../../src/platforms/types';
import { createCodeVerifier, codeChallenge } from '../../src/platforms/oauth/pkce';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';

const REDIRECT = 'https://socialsync.example.com/oauth/twitter/callback';

let clock: SandboxClock;
let sandbox: TwitterSandbox;
let server: RunningServer;
let connector: PlatformConnector;
let tokens: TokenSet;
let accountId: string;

beforeAll(async () => {
  const start = Date.now();
  clock = new SandboxClock(() => start);
  sandbox = createTwitterSandbox({ clock, seed: 31, accounts: 2, itemsPerAccount: 150, autoApprove: true });
  server = await listen(sandbox.handler);
  const env = loadConfig({ ...sandbox.env(server.url), TWITTER_USAGE_CAP_RESET_DAY: '5' });
  connector = createTwitterConnector(twitterSettingsFromEnv(env), {
    timeoutMs: 2000,
    now: () => clock.now(),
  });
  accountId = sandbox.accountIds()[0]!;
  sandbox.world.login(accountId);
  const verifier = createCodeVerifier();
  const url = connector.oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT,
    codeChallenge: codeChallenge(verifier, 'S256'),
  });
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  tokens = await connector.oauth.exchangeCode({
    code: location.searchParams.get('code')!,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
});
afterAll(() => server.close());
afterEach(() => sandbox.world.usageCap.set({ postCap: null, used: 0 }));

test('the connector declares X billing from the settings', () => {
  expect(connector.billing).toEqual({
    prices: { postUsd: 0.005, userUsd: 0.01 },
    refresh: { maxAgeMs: 30 * 86_400_000, rotation: 10 },
  });
});

test('reads are counted per resource returned: the profile, timeline posts, looked-up posts', async () => {
  const account = await connector.fetchAccount(tokens, { since: new Date(0), until: new Date(clock.now()) });
  expect(account.reads).toEqual({ posts: 0, users: 1 });

  const page = await connector.listItems(tokens, { kind: 'tweets', pageSize: 20 });
  expect(page.reads).toEqual({ posts: page.items.length, users: 0 });

  const ids = page.items.map((i) => i.id);
  const refreshed = await connector.refreshItems(tokens, { kind: 'tweets', ids });
  expect(refreshed.reads).toEqual({ posts: refreshed.items.length, users: 0 });
  expect(refreshed.items.map((i) => i.id).sort()).toEqual([...ids].sort());
});

test('GET /2/tweets?ids=: deleted ids come back in errors as resource-not-found, reported missing and not billed', async () => {
  const page = await connector.listItems(tokens, { kind: 'tweets', pageSize: 10 });
  const [gone, ...kept] = page.items.map((i) => i.id);
  await sandbox.world.deleteItem(accountId, gone!);
  sandbox.log.clear();
  const result = await connector.refreshItems(tokens, { kind: 'tweets', ids: [gone!, ...kept] });
  expect(result.missing).toEqual([gone]);
  expect(result.items.map((i) => i.id).sort()).toEqual([...kept].sort());
  expect(result.reads).toEqual({ posts: kept.length, users: 0 });

  // The sandbox's own answer, as X documents it: a 200 with the found posts and one error per missing id.
  const [call] = sandbox.log.all({ endpoint: 'GET /2/tweets' });
  const res = await fetch(`${server.url}/2/tweets?ids=${gone},${kept[0]}&tweet.fields=public_metrics`, {
    headers: { authorization: `Bearer ${tokens.accessToken}` },
  });
  expect(call?.status).toBe(200);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { id: string }[]; errors: Record<string, unknown>[] };
  expect(body.data.map((t) => t.id)).toEqual([kept[0]]);
  expect(body.errors).toEqual([
    expect.objectContaining({
      resource_id: gone,
      resource_type: 'tweet',
      title: 'Not Found Error',
      type: 'https://api.twitter.com/2/problems/resource-not-found',
    }),
  ]);
});

test('the monthly cap: a 429 usage-capped answer while the window has room; classified apart from window limits', async () => {
  const state = sandbox.world.usageCap.set({ postCap: 50, used: 50 });
  expect(state).toMatchObject({ postCap: 50, used: 50 });

  const res = await fetch(`${server.url}/2/tweets?ids=1880000000000000000`, {
    headers: { authorization: `Bearer ${tokens.accessToken}` },
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(res.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(0);
  expect(await res.json()).toEqual({
    title: 'UsageCapExceeded',
    period: 'Monthly',
    scope: 'Product',
    detail: 'Usage cap exceeded: Monthly product cap',
    type: 'https://api.twitter.com/2/problems/usage-capped',
  });

  const failure = await connector.listItems(tokens, { kind: 'tweets' }).catch((err: unknown) => err);
  expect(isPlatformError(failure, 'usage_capped')).toBe(true);
  // TWITTER_USAGE_CAP_RESET_DAY=5: the next 5th of a month, 00:00 UTC.
  expect((failure as { retryAt?: number }).retryAt).toBe(nextCapReset(clock.now(), 5));
  // The profile is a user read: not under the post cap.
  await expect(
    connector.fetchAccount(tokens, { since: new Date(0), until: new Date(0) }),
  ).resolves.toMatchObject({
    accountId,
  });
});

test('the sandbox counts posts toward the cap and lifts it at the next month', async () => {
  sandbox.world.usageCap.set({ postCap: 15, used: 0 });
  const page = await connector.listItems(tokens, { kind: 'tweets', pageSize: 20 });
  expect(sandbox.world.usageCap.state().used).toBe(page.items.length);
  const capped = await connector.listItems(tokens, { kind: 'tweets', pageSize: 5 }).catch((e: unknown) => e);
  expect(isPlatformError(capped, 'usage_capped')).toBe(true);

  const control = await fetch(`${server.url}/_sandbox/usage-cap`);
  const { resetsAt } = (await control.json()) as { resetsAt: string };
  clock.advance(Date.parse(resetsAt) - clock.now());
  expect(sandbox.world.usageCap.state()).toMatchObject({ used: 0, postCap: 15 });
  // Weeks later the access token has expired: refresh it, then the timeline answers again.
  tokens = await connector.oauth.refresh(tokens);
  const next = await connector.listItems(tokens, { kind: 'tweets', pageSize: 5 });
  expect(next.items.length).toBeGreaterThan(0);

  const bad = await fetch(`${server.url}/_sandbox/usage-cap`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ postCap: -1 }),
  });
  expect(bad.status).toBe(400);
});
