import { PlatformError } from '../platforms/errors';
import type { OAuthProvider, PlatformConnector, TokenSet } from '../platforms/types';
import { silentLogger } from '../shared/logger';
import type { AccountIndex, TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import { ConnectFlow } from './connect-flow';
import { HttpError } from './http-error';
import { memoryOAuthStates } from '../../test/helpers/memory-oauth-states';
import { CryptoError } from '../store/crypto';
import type { ConnectionKey } from '../domain';

/**
 * The rules of the connect flow (what is stored when, and what is rolled back) with in-memory stand-ins;
 * test/http/oauth.test.ts runs the same flow against Firestore, Temporal and the sandboxes.
 */
function setup(
  opts: {
    exchange?: () => Promise<TokenSet>;
    connect?: () => Promise<{ workflowId: string; runId: string }>;
  } = {},
) {
  const oauthStates = memoryOAuthStates();
  const states = oauthStates.pending;
  const tokens = new Map<string, TokenSet>();
  const index = new Map<string, ConnectionKey[]>();
  const k = (key: ConnectionKey) => `${key.platform}:${key.userId}`;
  const tokenStore: TokenStore = {
    save: async (key, t) => void tokens.set(k(key), t),
    load: async (key) => tokens.get(k(key)),
    delete: async (key) => void tokens.delete(k(key)),
    rotateKeys: async () => 0,
    acquireRefreshLease: async () => true,
    releaseRefreshLease: async () => undefined,
  };
  const accountIndex: AccountIndex = {
    put: async (platform, accountId, key) => void index.set(`${platform}:${accountId}`, [key]),
    find: async (platform, accountId) => index.get(`${platform}:${accountId}`) ?? [],
    remove: async (platform, accountId) => void index.delete(`${platform}:${accountId}`),
  };
  const connected: string[] = [];
  const syncService = {
    connect:
      opts.connect ??
      (async (key: ConnectionKey & { accountId: string }) => {
        connected.push(k(key));
        return { workflowId: `wf-${key.userId}`, runId: 'run-1' };
      }),
  } as unknown as SyncService;
  const exchanged: unknown[] = [];
  const oauth: OAuthProvider = {
    pkce: 'S256',
    scopes: ['tweet.read'],
    refreshMarginMs: 0,
    authorizeUrl: ({ state, redirectUri, codeChallenge }) =>
      `https://x.example/authorize?state=${state}&redirect_uri=${encodeURIComponent(redirectUri)}&code_challenge=${codeChallenge}`,
    exchangeCode: async (req) => {
      exchanged.push(req);
      return opts.exchange
        ? opts.exchange()
        : { accessToken: 'at', scopes: [], accountId: 'acct-1', issuedAt: 0 };
    },
    refresh: async (t) => t,
    revoke: async () => true,
  };
  const connector = { id: 'twitter', oauth } as PlatformConnector;
  const real = new ConnectFlow({
    publicBaseUrl: 'https://app.example.com',
    stateTtlMs: 60_000,
    oauthStates,
    tokenStore,
    accountIndex,
    syncService,
    logger: silentLogger,
  });
  // One browser: it keeps the binding cookie of its latest start and presents it on every callback.
  let cookieHeader: string | undefined;
  const flow = {
    start: async (req: Parameters<ConnectFlow['start']>[0]) => {
      const started = await real.start(req);
      if (started.binding) cookieHeader = started.binding.cookie;
      return started;
    },
    complete: (req: Parameters<ConnectFlow['complete']>[0]) => real.complete({ cookieHeader, ...req }),
  };
  return { flow, real, connector, states, tokens, index, connected, exchanged };
}

const statusOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return (err as HttpError).status;
};

test('start keeps the PKCE verifier server-side and sends only the challenge', async () => {
  const s = setup();
  const { authorizeUrl } = await s.flow.start({ userId: 'u1', connector: s.connector });
  const url = new URL(authorizeUrl);
  const pending = s.states.get(url.searchParams.get('state')!)!;
  expect(pending).toMatchObject({
    userId: 'u1',
    platform: 'twitter',
    redirectUri: 'https://app.example.com/oauth/twitter/callback',
  });
  expect(pending.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  expect(authorizeUrl).not.toContain(pending.codeVerifier!);
  expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('complete exchanges with the stored verifier, stores, indexes and connects; the state is single use', async () => {
  const s = setup();
  const { authorizeUrl } = await s.flow.start({ userId: 'u1', connector: s.connector });
  const state = new URL(authorizeUrl).searchParams.get('state')!;
  const verifier = s.states.get(state)!.codeVerifier;
  const done = await s.flow.complete({ connector: s.connector, state, code: 'c0de' });
  expect(done).toEqual({
    userId: 'u1',
    platform: 'twitter',
    accountId: 'acct-1',
    workflowId: 'wf-u1',
    runId: 'run-1',
  });
  expect(s.exchanged).toEqual([
    { code: 'c0de', redirectUri: 'https://app.example.com/oauth/twitter/callback', codeVerifier: verifier },
  ]);
  expect(s.tokens.get('twitter:u1')?.accountId).toBe('acct-1');
  expect(s.index.get('twitter:acct-1')).toEqual([{ userId: 'u1', platform: 'twitter' }]);
  expect(await statusOf(s.flow.complete({ connector: s.connector, state, code: 'c0de' }))).toBe(400);
  expect(s.exchanged).toHaveLength(1);
});

test('denial, unknown state, other platform and refused codes change nothing', async () => {
  const s = setup({
    exchange: () =>
      Promise.reject(
        new PlatformError('permanent', 'invalid_grant', {
          platform: 'twitter',
          endpoint: 'POST /2/oauth2/token',
        }),
      ),
  });
  const stateFor = async () =>
    new URL((await s.flow.start({ userId: 'u1', connector: s.connector })).authorizeUrl).searchParams.get(
      'state',
    )!;

  expect(
    await statusOf(
      s.flow.complete({ connector: s.connector, state: await stateFor(), error: 'access_denied' }),
    ),
  ).toBe(400);
  expect(await statusOf(s.flow.complete({ connector: s.connector, state: 'never-issued', code: 'x' }))).toBe(
    400,
  );
  const tiktok = { ...s.connector, id: 'tiktok' } as PlatformConnector;
  expect(await statusOf(s.flow.complete({ connector: tiktok, state: await stateFor(), code: 'x' }))).toBe(
    400,
  );
  expect(
    await statusOf(s.flow.complete({ connector: s.connector, state: await stateFor(), code: 'bad' })),
  ).toBe(400);

  expect(s.tokens.size).toBe(0);
  expect(s.index.size).toBe(0);
  expect(s.connected).toEqual([]);
});

test('a platform outage during the exchange is a 502', async () => {
  const s = setup({
    exchange: () =>
      Promise.reject(
        new PlatformError('transient', 'HTTP 503', { platform: 'twitter', endpoint: 'POST /2/oauth2/token' }),
      ),
  });
  const state = new URL(
    (await s.flow.start({ userId: 'u1', connector: s.connector })).authorizeUrl,
  ).searchParams.get('state')!;
  expect(await statusOf(s.flow.complete({ connector: s.connector, state, code: 'c' }))).toBe(502);
  expect(s.tokens.size).toBe(0);
});

test('a sync engine failure after saving puts the previous tokens and index back', async () => {
  const s = setup({
    exchange: async () => ({ accessToken: 'new', scopes: [], accountId: 'acct-2', issuedAt: 1 }),
    connect: () =>
      Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 })),
  });
  const previous: TokenSet = { accessToken: 'old', scopes: [], accountId: 'acct-1', issuedAt: 0 };
  s.tokens.set('twitter:u1', previous);
  s.index.set('twitter:acct-1', [{ userId: 'u1', platform: 'twitter' }]);
  const state = new URL(
    (await s.flow.start({ userId: 'u1', connector: s.connector })).authorizeUrl,
  ).searchParams.get('state')!;
  expect(await statusOf(s.flow.complete({ connector: s.connector, state, code: 'c' }))).toBe(503);
  expect(s.tokens.get('twitter:u1')).toEqual(previous);
  expect([...s.index.keys()]).toEqual(['twitter:acct-1']);
});

describe('finding 3: the state is bound to the browser that started the connect', () => {
  test("a callback without the starting browser's cookie is refused, spends the state and stores nothing", async () => {
    const s = setup();
    const started = await s.real.start({ userId: 'attacker', connector: s.connector });
    const state = new URL(started.authorizeUrl).searchParams.get('state')!;
    expect(started.binding?.setCookie).toMatch(
      /^__Secure-socialsync_oauth_twitter=[A-Za-z0-9_-]{43}; Path=\/oauth\/twitter\/callback; HttpOnly; SameSite=Lax; Secure; Max-Age=60$/,
    );
    // Only a hash of the nonce is stored with the state.
    expect(JSON.stringify(s.states.get(state))).not.toContain(started.binding!.nonce);
    // The victim's browser has no cookie, or another connect's cookie.
    expect(await statusOf(s.real.complete({ connector: s.connector, state, code: 'victim-code' }))).toBe(403);
    const other = await s.real.start({ userId: 'victim', connector: s.connector });
    const state2 = new URL(other.authorizeUrl).searchParams.get('state')!;
    expect(
      await statusOf(
        s.real.complete({
          connector: s.connector,
          state: state2,
          code: 'c',
          cookieHeader: started.binding!.cookie,
        }),
      ),
    ).toBe(403);
    expect(s.exchanged).toEqual([]);
    expect(s.tokens.size).toBe(0);
    // Spent: not even the right browser can use the refused state afterwards.
    expect(
      await statusOf(
        s.real.complete({ connector: s.connector, state, code: 'c', cookieHeader: started.binding!.cookie }),
      ),
    ).toBe(400);
  });

  test('the right cookie completes; an explicit unbound admin hand-off needs none', async () => {
    const s = setup();
    const started = await s.real.start({ userId: 'u1', connector: s.connector });
    const state = new URL(started.authorizeUrl).searchParams.get('state')!;
    await expect(
      s.real.complete({
        connector: s.connector,
        state,
        code: 'c',
        cookieHeader: `a=1; ${started.binding!.cookie}`,
      }),
    ).resolves.toMatchObject({ userId: 'u1' });
    const unbound = await s.real.start({ userId: 'u2', connector: s.connector, bindBrowser: false });
    expect(unbound.binding).toBeUndefined();
    const state2 = new URL(unbound.authorizeUrl).searchParams.get('state')!;
    await expect(
      s.real.complete({ connector: s.connector, state: state2, code: 'c' }),
    ).resolves.toMatchObject({
      userId: 'u2',
    });
  });
});

test('finding 5: an undecryptable previous token does not block the reconnect; it is overwritten', async () => {
  const s = setup();
  const tokenStore = (s.real as unknown as { deps: { tokenStore: TokenStore } }).deps.tokenStore;
  const load = tokenStore.load;
  tokenStore.load = async () => {
    throw new CryptoError('unknown_key', 'token of twitter:u1: key id "gone" is not in the keyring');
  };
  const { authorizeUrl } = await s.flow.start({ userId: 'u1', connector: s.connector });
  const state = new URL(authorizeUrl).searchParams.get('state')!;
  await expect(s.flow.complete({ connector: s.connector, state, code: 'c' })).resolves.toMatchObject({
    accountId: 'acct-1',
  });
  tokenStore.load = load;
  expect(s.tokens.get('twitter:u1')?.accountId).toBe('acct-1');
});
