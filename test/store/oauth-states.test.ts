/** The server-side OAuth state store against the real emulator. */
import { randomBytes } from 'node:crypto';
import { createOAuthStateStore } from '../../src/store/oauth-states';
import { paths, sha256Hex } from '../../src/store/paths';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
beforeAll(async () => {
  fs = await testFirestore();
});
afterAll(() => fs?.close());

const keyring = [{ kid: 'k1', key: randomBytes(32) }];
const REDIRECT = 'http://localhost:8080/oauth/twitter/callback';

/** Whether the state's document is still there (refused without being spent) or gone. */
async function stored(state: string): Promise<boolean> {
  return (await fs.db.doc(paths.oauthStateDoc(sha256Hex(state))).get()).exists;
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
  expect(await store.consume(state, 'twitter')).toBeUndefined();
});

it('works without a verifier (platforms without PKCE)', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'bob', platform: 'instagram', redirectUri: REDIRECT });
  const record = await store.consume(state, 'instagram');
  expect(record?.codeVerifier).toBeUndefined();
  expect(record?.userId).toBe('bob');
});

it('two concurrent callbacks with one state: exactly one wins', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'carol', platform: 'tiktok', redirectUri: REDIRECT });
  const results = await Promise.all([store.consume(state, 'tiktok'), store.consume(state, 'tiktok')]);
  expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  expect(results.filter((r) => r === undefined)).toHaveLength(1);
}, 30_000);

it('expires after 10 minutes, and an expired state is gone', async () => {
  let now = Date.parse('2025-05-01T12:00:00Z');
  const store = createOAuthStateStore({ db: fs.db, keyring, now: () => new Date(now) });
  const fresh = await store.create({ userId: 'dan', platform: 'twitter', redirectUri: REDIRECT });
  const stale = await store.create({ userId: 'dan', platform: 'twitter', redirectUri: REDIRECT });
  now += 9 * 60_000 + 59_000;
  await expect(store.consume(fresh, 'twitter')).resolves.toMatchObject({ userId: 'dan' });
  now += 2_000;
  expect(await stored(stale)).toBe(true);
  expect(await store.consume(stale, 'twitter')).toBeUndefined();
  // Expired states are deleted when presented, not kept for the TTL sweep.
  expect(await stored(stale)).toBe(false);
  expect(await store.consume(stale, 'twitter')).toBeUndefined();
});

it('a state presented on another platform fails without being consumed', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  const state = await store.create({ userId: 'erin', platform: 'instagram', redirectUri: REDIRECT });
  expect(await store.consume(state, 'tiktok')).toBeUndefined();
  expect(await stored(state)).toBe(true);
  await expect(store.consume(state, 'instagram')).resolves.toMatchObject({ userId: 'erin' });
});

it('rejects malformed and never-issued states as unknown', async () => {
  const store = createOAuthStateStore({ db: fs.db, keyring });
  expect(await store.consume('short', 'twitter')).toBeUndefined();
  expect(await store.consume('../../users/x', 'twitter')).toBeUndefined();
  expect(await store.consume(randomBytes(32).toString('base64url'), 'twitter')).toBeUndefined();
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
  expect(await store.consume(short)).toBeUndefined();
  expect(await stored(short)).toBe(false);
  await expect(store.consume(other)).resolves.toMatchObject({ userId: 'fay', platform: 'tiktok' });
});

it('a verifier that cannot be decrypted still throws (a server fault, not a stale link)', async () => {
  const state = await createOAuthStateStore({ db: fs.db, keyring }).create({
    userId: 'hal',
    platform: 'twitter',
    redirectUri: REDIRECT,
    codeVerifier: 'secret-verifier',
  });
  const otherKeys = createOAuthStateStore({ db: fs.db, keyring: [{ kid: 'k9', key: randomBytes(32) }] });
  await expect(otherKeys.consume(state)).rejects.toThrow(/key id "k1"/);
});
