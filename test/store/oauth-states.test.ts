/** The server-side OAuth state store against the real emulator. */
import { randomBytes } from 'node:crypto';
import { httpOAuthStates } from '../../src/store/http-ports';
import { createOAuthStateStore, OAuthStateError, type OAuthStateFailure } from '../../src/store/oauth-states';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
beforeAll(async () => {
  fs = await testFirestore();
});
afterAll(() => fs?.close());

const keyring = [{ kid: 'k1', key: randomBytes(32) }];
const REDIRECT = 'http://localhost:8080/oauth/twitter/callback';

async function failure(promise: Promise<unknown>): Promise<OAuthStateFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthStateError);
  return (err as OAuthStateError).reason;
}

it('creates a random base64url state, stores only its hash and an encrypted verifier, and consumes it once', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const verifier = randomBytes(32).toString('base64url');
  const state = await store.create({
    userId: 'alice',
    platform: 'twitter',
    codeVerifier: verifier,
    redirectUri: REDIRECT,
  });
  expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const docs = await fs.db.collection('_oauthStates').get();
  const raw = JSON.stringify(docs.docs.map((d) => ({ id: d.id, ...d.data() })));
  expect(raw).not.toContain(state);
  expect(raw).not.toContain(verifier);

  const record = await store.consume(state, 'twitter');
  expect(record).toEqual({
    userId: 'alice',
    platform: 'twitter',
    redirectUri: REDIRECT,
    codeVerifier: verifier,
    createdAt: expect.any(Date),
  });
  expect(await failure(store.consume(state, 'twitter'))).toBe('unknown');
});

it('works without a verifier (platforms without PKCE)', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'bob', platform: 'instagram', redirectUri: REDIRECT });
  const record = await store.consume(state, 'instagram');
  expect(record.codeVerifier).toBeUndefined();
  expect(record.userId).toBe('bob');
});

it('two concurrent callbacks with one state: exactly one wins', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'carol', platform: 'tiktok', redirectUri: REDIRECT });
  const results = await Promise.allSettled([store.consume(state, 'tiktok'), store.consume(state, 'tiktok')]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect((rejected.reason as OAuthStateError).reason).toBe('unknown');
}, 30_000);

it('expires after 10 minutes, and an expired state is gone', async () => {
  let now = Date.parse('2025-05-01T12:00:00Z');
  const store = createOAuthStateStore({ db: fs.db, keyring, now: () => new Date(now) });
  const fresh = await store.create({ userId: 'dan', platform: 'twitter', redirectUri: REDIRECT });
  const stale = await store.create({ userId: 'dan', platform: 'twitter', redirectUri: REDIRECT });
  now += 9 * 60_000 + 59_000;
  await expect(store.consume(fresh, 'twitter')).resolves.toMatchObject({ userId: 'dan' });
  now += 2_000;
  expect(await failure(store.consume(stale, 'twitter'))).toBe('expired');
  expect(await failure(store.consume(stale, 'twitter'))).toBe('unknown');
});

it('a state presented on another platform fails without being consumed', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'erin', platform: 'instagram', redirectUri: REDIRECT });
  expect(await failure(store.consume(state, 'tiktok'))).toBe('platform_mismatch');
  await expect(store.consume(state, 'instagram')).resolves.toMatchObject({ userId: 'erin' });
});

it('rejects malformed and never-issued states as unknown', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  expect(await failure(store.consume('short', 'twitter'))).toBe('unknown');
  expect(await failure(store.consume('../../users/x', 'twitter'))).toBe('unknown');
  expect(await failure(store.consume(randomBytes(32).toString('base64url'), 'twitter'))).toBe('unknown');
});

it('honours a per-state lifetime, and without a platform consumes whatever platform the state has', async () => {
  let now = Date.parse('2025-06-01T00:00:00Z');
  const store = createOAuthStateStore({ db: fs.db, keyring, now: () => new Date(now) });
  const short = await store.create({
    userId: 'fay',
    platform: 'tiktok',
    redirectUri: REDIRECT,
    ttlMs: 1_000,
  });
  const other = await store.create({ userId: 'fay', platform: 'tiktok', redirectUri: REDIRECT });
  now += 2_000;
  expect(await failure(store.consume(short))).toBe('expired');
  await expect(store.consume(other)).resolves.toMatchObject({ userId: 'fay', platform: 'tiktok' });
});

describe('httpOAuthStates (the HTTP service port)', () => {
  it('round-trips a pending authorization once and answers undefined afterwards', async () => {
    const port = httpOAuthStates(createOAuthStateStore({ db: fs.db, keyring }));
    const pending = {
      userId: 'gus',
      platform: 'twitter' as const,
      redirectUri: REDIRECT,
      codeVerifier: 'v'.repeat(43),
    };
    const state = await port.create(pending, { ttlMs: 60_000 });
    expect(await port.consume(state)).toEqual(pending);
    expect(await port.consume(state)).toBeUndefined();
    expect(await port.consume('nonsense')).toBeUndefined();
  });

  it('still throws when the verifier cannot be decrypted (a server fault, not a stale link)', async () => {
    const state = await createOAuthStateStore({ db: fs.db, keyring }).create({
      userId: 'hal',
      platform: 'twitter',
      redirectUri: REDIRECT,
      codeVerifier: 'secret-verifier',
    });
    const otherKeys = httpOAuthStates(
      createOAuthStateStore({ db: fs.db, keyring: [{ kid: 'k9', key: randomBytes(32) }] }),
    );
    await expect(otherKeys.consume(state)).rejects.toThrow(/key id "k1"/);
  });
});
