/** The encrypted token store against the real emulator. */
import { randomBytes } from 'node:crypto';
import type { TokenSet } from '../../src/platforms/types';
import { CryptoError, type Keyring } from '../../src/store/crypto';
import { createTokenStore } from '../../src/store/token-store';
import { testFirestore, type TestFirestore } from '../helpers/servers';
import type { ConnectionKey } from '../../src/domain';

let fs: TestFirestore;
beforeAll(async () => {
  fs = await testFirestore();
});
afterAll(() => fs?.close());

const k1 = { kid: 'k1', key: randomBytes(32) };
const k2 = { kid: 'k2', key: randomBytes(32) };

let n = 0;
const connection = (platform: ConnectionKey['platform'] = 'twitter'): ConnectionKey => ({
  userId: `user-${++n}`,
  platform,
});

function tokens(tag: string): TokenSet {
  return {
    accessToken: `AT-${tag}-${randomBytes(12).toString('hex')}`,
    refreshToken: `RT-${tag}-${randomBytes(12).toString('hex')}`,
    expiresAt: 1_760_000_000_000,
    scopes: ['tweet.read', 'offline.access'],
    accountId: `acct-${tag}`,
    issuedAt: 1_759_990_000_000,
  };
}

/** The document exactly as the emulator stores it, through its REST API with the rules-bypassing owner token. */
async function rawDocument(path: string): Promise<string> {
  const res = await fetch(
    `http://${fs.host}/v1/projects/${fs.projectId}/databases/(default)/documents/${path}`,
    {
      headers: { Authorization: 'Bearer owner' },
    },
  );
  expect(res.status).toBe(200);
  return res.text();
}

async function cryptoFailure(promise: Promise<unknown>): Promise<CryptoError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CryptoError);
  return err as CryptoError;
}

describe('TokenStore', () => {
  it('round-trips a TokenSet, and missing tokens load as undefined', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection();
    expect(await store.load(key)).toBeUndefined();
    const saved = tokens('a');
    await store.save(key, saved);
    expect(await store.load(key)).toEqual(saved);

    const { refreshToken: _r, expiresAt: _e, ...longLived } = tokens('ig');
    const ig = connection('instagram');
    await store.save(ig, longLived);
    expect(await store.load(ig)).toEqual(longLived);
  });

  it('stores no token material in plaintext (raw emulator document searched)', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection();
    const saved = tokens('secret');
    await store.save(key, saved);
    const raw = await rawDocument(`_tokens/${key.platform}:${key.userId}`);
    for (const secret of [saved.accessToken, saved.refreshToken!]) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(Buffer.from(secret).toString('base64'));
      expect(raw).not.toContain(secret.slice(-16));
    }
    expect(raw).not.toContain('tweet.read');
    expect(raw).toContain('"k1"');
    const data = (await fs.db.doc(`_tokens/${key.platform}:${key.userId}`).get()).data()!;
    expect(Object.keys(data).sort()).toEqual([
      'ciphertext',
      'iv',
      'kid',
      'platform',
      'tag',
      'updatedAt',
      'userId',
      'v',
    ]);
  });

  it('uses a new IV on every save', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection();
    const saved = tokens('iv');
    await store.save(key, saved);
    const first = (await fs.db.doc(`_tokens/${key.platform}:${key.userId}`).get()).get('iv');
    await store.save(key, saved);
    const second = (await fs.db.doc(`_tokens/${key.platform}:${key.userId}`).get()).get('iv');
    expect(second).not.toBe(first);
  });

  it('refuses a ciphertext copied into another connection (AAD = userId:platform)', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const victim = connection();
    const attacker = connection();
    await store.save(victim, tokens('victim'));
    const stolen = (await fs.db.doc(`_tokens/twitter:${victim.userId}`).get()).data()!;
    await fs.db.doc(`_tokens/twitter:${attacker.userId}`).set({ ...stolen, userId: attacker.userId });
    const err = await cryptoFailure(store.load(attacker));
    expect(err.code).toBe('auth_failed');
  });

  it('names an unknown key id clearly', async () => {
    const key = connection();
    await createTokenStore({ db: fs.db, keyring: [{ kid: 'retired', key: randomBytes(32) }] }).save(
      key,
      tokens('x'),
    );
    const err = await cryptoFailure(createTokenStore({ db: fs.db, keyring: [k1, k2] }).load(key));
    expect(err.code).toBe('unknown_key');
    expect(err.message).toContain('"retired"');
    expect(err.message).toContain(key.userId);
  });

  it('delete removes the tokens', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection();
    await store.save(key, tokens('d'));
    await store.delete(key);
    expect(await store.load(key)).toBeUndefined();
    expect((await fs.db.doc(`_tokens/${key.platform}:${key.userId}`).get()).exists).toBe(false);
  });

  it('update serialises concurrent read-modify-writes of one token', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection('tiktok');
    await store.save(key, { ...tokens('u'), issuedAt: 0 });
    // Three concurrent "refreshes", each deriving the next token from the current one: none may be lost.
    await Promise.all(
      Array.from({ length: 3 }, () =>
        store.update(key, async (current) => {
          await new Promise((r) => setTimeout(r, 20));
          return { ...current!, issuedAt: current!.issuedAt + 1 };
        }),
      ),
    );
    expect((await store.load(key))!.issuedAt).toBe(3);
    // Returning undefined writes nothing and hands back the current tokens.
    expect((await store.update(key, () => undefined))!.issuedAt).toBe(3);
    // (Contending transactions back off in the emulator, hence the longer timeout.)
  }, 30_000);

  it('rejects an invalid TokenSet without echoing its values', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const bad = { ...tokens('bad'), accessToken: '' };
    await expect(store.save(connection(), bad)).rejects.toThrow(/fields: accessToken/);
  });
});

describe('refresh leases (finding 6 of issue 14)', () => {
  const leaseDoc = (key: ConnectionKey) => fs.db.doc(`_tokenLeases/${key.platform}:${key.userId}`);

  it('one holder at a time; released only by its holder; nothing of the token in the lease', async () => {
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    const key = connection();
    await store.save(key, tokens('lease'));
    // Two processes race for a free lease: exactly one gets it.
    const won = await Promise.all([
      store.acquireRefreshLease(key, { holder: 'a', ttlMs: 60_000 }),
      store.acquireRefreshLease(key, { holder: 'b', ttlMs: 60_000 }),
    ]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = won[0] ? 'a' : 'b';
    const other = won[0] ? 'b' : 'a';
    expect(await store.acquireRefreshLease(key, { holder: other, ttlMs: 60_000 })).toBe(false);
    expect(Object.keys((await leaseDoc(key).get()).data()!).sort()).toEqual(['expiresAt', 'holder']);

    await store.releaseRefreshLease(key, other); // not its lease: nothing happens
    expect((await leaseDoc(key).get()).get('holder')).toBe(holder);
    await store.releaseRefreshLease(key, holder);
    expect((await leaseDoc(key).get()).exists).toBe(false);
    expect(await store.acquireRefreshLease(key, { holder: other, ttlMs: 60_000 })).toBe(true);
    // The token itself is untouched by its lease.
    expect((await store.load(key))?.accountId).toBe('acct-lease');
  }, 30_000);

  it('an expired lease (its holder crashed) is taken over, and the crashed holder cannot release the new one', async () => {
    const key = connection('tiktok');
    // The crashed holder took the lease a minute ago for 30 s.
    const past = createTokenStore({ db: fs.db, keyring: [k1], now: () => Date.now() - 60_000 });
    expect(await past.acquireRefreshLease(key, { holder: 'crashed', ttlMs: 30_000 })).toBe(true);
    const store = createTokenStore({ db: fs.db, keyring: [k1] });
    expect(await store.acquireRefreshLease(key, { holder: 'next', ttlMs: 30_000 })).toBe(true);
    await past.releaseRefreshLease(key, 'crashed');
    expect((await leaseDoc(key).get()).get('holder')).toBe('next');
  }, 30_000);
});

describe('rotateKeys', () => {
  it('re-encrypts every token not under the current key, then nothing', async () => {
    const rotationFs = await testFirestore('token-store-rotation');
    try {
      const oldStore = createTokenStore({ db: rotationFs.db, keyring: [k1] });
      const keys = [connection('instagram'), connection('twitter'), connection('tiktok')];
      const saved = keys.map((k, i) => tokens(`rot${i}`));
      await Promise.all(keys.map((k, i) => oldStore.save(k, saved[i]!)));

      const rotated: Keyring = [k2, k1];
      const store = createTokenStore({ db: rotationFs.db, keyring: rotated });
      // One token already under the new key is left alone.
      const fresh = connection();
      await store.save(fresh, tokens('fresh'));

      expect(await store.rotateKeys()).toBe(3);
      expect(await store.rotateKeys()).toBe(0);
      const kids = (await rotationFs.db.collection('_tokens').get()).docs.map((d) => d.get('kid'));
      expect(kids).toEqual(['k2', 'k2', 'k2', 'k2']);

      // The old key can now be retired: everything decrypts with the new key alone.
      const newOnly = createTokenStore({ db: rotationFs.db, keyring: [k2] });
      for (const [i, k] of keys.entries()) expect(await newOnly.load(k)).toEqual(saved[i]);
    } finally {
      await rotationFs.close();
    }
  });
});
