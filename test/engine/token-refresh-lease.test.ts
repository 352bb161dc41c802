/**
 * Rotating refresh tokens across processes (finding 6 of issue 14), end to end below Temporal: two "processes" —
 * each its own activities, X connector (the connector shares an in-flight refresh only within itself) and token
 * store — on the real Firestore emulator, against the X sandbox over real HTTP, whose refresh tokens are single use
 * like X's.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import type { SchedulePauser } from '../../src/activities/types';
import { loadConfig } from '../../src/config';
import { FailureType, type ConnectionKey } from '../../src/domain';
import { codeChallenge, createCodeVerifier } from '../../src/platforms/oauth/pkce';
import { createTwitterConnector, twitterSettingsFromEnv } from '../../src/platforms/twitter';
import type { PlatformConnector, TokenSet } from '../../src/platforms/types';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createTwitterSandbox, type TwitterSandbox } from '../../src/sandbox/twitter';
import { silentLogger } from '../../src/shared/logger';
import { createFirestoreSink } from '../../src/store/sink';
import { createTokenStore, type FirestoreTokenStore } from '../../src/store/token-store';
import type { TokenRefreshSettings } from '../../src/activities/token-refresh';
import { testFirestore, type TestFirestore } from '../helpers/servers';

jest.setTimeout(60_000);

const TOKEN = 'POST /2/oauth2/token';
const REDIRECT = 'https://socialsync.example.com/oauth/twitter/callback';
const HOURS = 3_600_000;
const keyring = [{ kid: 'k1', key: randomBytes(32) }];

let clock: SandboxClock;
let sandbox: TwitterSandbox;
let server: RunningServer;
let fs: TestFirestore;
let accountsUsed = 0;

beforeAll(async () => {
  const start = Date.now();
  clock = new SandboxClock(() => start);
  sandbox = createTwitterSandbox({ clock, seed: 6, accounts: 5, itemsPerAccount: 5, autoApprove: true });
  server = await listen(sandbox.handler);
  fs = await testFirestore();
});
afterAll(async () => {
  await server?.close();
  await fs?.close();
});
afterEach(() => sandbox.faults.clear());

function connector(): PlatformConnector {
  const env = loadConfig({ ...sandbox.env(server.url), TWITTER_CALLS_PER_15MIN: '900' });
  return createTwitterConnector(twitterSettingsFromEnv(env), { now: () => clock.now() });
}

/** One worker process: its own connector, token store and activities on the shared emulator and sandbox. */
function worker(settings: Partial<TokenRefreshSettings> = {}) {
  const tokenStore = createTokenStore({ db: fs.db, keyring });
  const activities = createActivities({
    connectors: { twitter: connector() },
    sink: createFirestoreSink(fs.db),
    tokenStore,
    schedules: {} as SchedulePauser,
    logger: silentLogger,
    clock,
    tokenRefresh: { waitMs: 20_000, ...settings },
  });
  return { activities, tokenStore };
}

/** A connected account whose 2-hour access token has since expired (on the sandbox clock and at the sandbox). */
async function connectedWithExpiredToken(
  store: FirestoreTokenStore,
): Promise<{ key: ConnectionKey; tokens: TokenSet }> {
  const accountId = sandbox.accountIds()[accountsUsed++]!;
  sandbox.world.login(accountId);
  const oauth = connector().oauth;
  const verifier = createCodeVerifier();
  const url = oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT,
    codeChallenge: codeChallenge(verifier, 'S256'),
  });
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const tokens = await oauth.exchangeCode({
    code: location.searchParams.get('code')!,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
  const key: ConnectionKey = { userId: `user-${accountId}`, platform: 'twitter' };
  await store.save(key, tokens);
  clock.advance(3 * HOURS);
  sandbox.log.clear();
  return { key, tokens };
}

/** The refresh-token grants the sandbox received, by the refresh token they spent. */
function refreshesSpent(): string[] {
  return sandbox.log
    .all({ endpoint: TOKEN })
    .map((r) => Object.fromEntries(new URLSearchParams(r.body)))
    .filter((form) => form.grant_type === 'refresh_token')
    .map((form) => form.refresh_token!);
}

const window = () => ({ since: clock.now() - 24 * HOURS, until: clock.now() });

async function eventuallyTrue(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

test('finding 6: two processes refreshing one connection at once spend its refresh token once and both use the rotated token', async () => {
  const a = worker();
  const b = worker();
  const { key, tokens } = await connectedWithExpiredToken(a.tokenStore);
  // A slow token endpoint, so the two refreshes surely overlap.
  sandbox.faults.add({ endpoint: TOKEN, latencyMs: 1_500, times: 1 });

  const [ra, rb] = await Promise.all([
    a.activities.syncAccount({ key, ...window() }),
    b.activities.syncAccount({ key, ...window() }),
  ]);
  expect(ra.tokenRefreshed).toBe(true);
  expect(rb.tokenRefreshed).toBe(true);
  expect(refreshesSpent()).toEqual([tokens.refreshToken]);

  const stored = (await a.tokenStore.load(key))!;
  expect(stored.refreshToken).not.toBe(tokens.refreshToken);
  // Both calls went out with the one rotated access token.
  const bearers = sandbox.log.all({ endpoint: 'GET /2/users/me' }).map((r) => r.headers.authorization);
  expect(bearers).toEqual([`Bearer ${stored.accessToken}`, `Bearer ${stored.accessToken}`]);
  // The stored refresh token is the live one: the next refresh works.
  expect((await connector().oauth.refresh(stored)).accessToken).toBeDefined();
  expect((await fs.db.doc(`_tokenLeases/twitter:${key.userId}`).get()).exists).toBe(false);
});

test('finding 6: a refresh refused because another writer rotated the token meanwhile uses the stored token, no reauth', async () => {
  const a = worker();
  const { key, tokens } = await connectedWithExpiredToken(a.tokenStore);
  // A's refresh request waits at the sandbox; meanwhile a writer outside the lease (a reconnect, a holder whose
  // lease lapsed) spends the same refresh token first and stores what it got.
  const slow = sandbox.faults.add({ endpoint: TOKEN, latencyMs: 1_500, times: 1 });
  const sync = a.activities.syncAccount({ key, ...window() });
  await eventuallyTrue("A's refresh request at the sandbox", () => slow.fired === 1);
  const rotated = await connector().oauth.refresh(tokens);
  await createTokenStore({ db: fs.db, keyring }).save(key, rotated);

  const result = await sync;
  expect(result.tokenRefreshed).toBe(true);
  // Both spent the same refresh token; the platform refused A's, and A used the stored one instead.
  expect(refreshesSpent()).toEqual([tokens.refreshToken, tokens.refreshToken]);
  expect(sandbox.log.all({ endpoint: 'GET /2/users/me' }).map((r) => r.headers.authorization)).toEqual([
    `Bearer ${rotated.accessToken}`,
  ]);
  expect(await a.tokenStore.load(key)).toEqual(rotated);
});

test('finding 6: the lease of a crashed holder is taken over after it expires; a live one makes others wait, then fail transient', async () => {
  const a = worker({ waitMs: 1_000 });
  const { key, tokens } = await connectedWithExpiredToken(a.tokenStore);

  // A live lease (its holder is still refreshing): A spends nothing and fails retryable, to try again later.
  await a.tokenStore.acquireRefreshLease(key, { holder: 'busy', ttlMs: 60_000 });
  const failure = await a.activities.syncAccount({ key, ...window() }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).type).toBe(FailureType.transient);
  expect((failure as ApplicationFailure).nonRetryable).toBe(false);
  expect(refreshesSpent()).toEqual([]);

  // That holder crashed a minute ago with a 30-second lease: its lease has expired and is taken over.
  await a.tokenStore.releaseRefreshLease(key, 'busy');
  const crashed = createTokenStore({ db: fs.db, keyring, now: () => Date.now() - 60_000 });
  expect(await crashed.acquireRefreshLease(key, { holder: 'crashed', ttlMs: 30_000 })).toBe(true);
  const result = await a.activities.syncAccount({ key, ...window() });
  expect(result.tokenRefreshed).toBe(true);
  expect(refreshesSpent()).toEqual([tokens.refreshToken]);
  expect((await a.tokenStore.load(key))!.refreshToken).not.toBe(tokens.refreshToken);
  expect((await fs.db.doc(`_tokenLeases/twitter:${key.userId}`).get()).exists).toBe(false);
});
