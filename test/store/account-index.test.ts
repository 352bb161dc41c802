/** The account index against the real emulator. */
import { createAccountIndex } from '../../src/store/account-index';
import type { AccountIndex } from '../../src/store/types';
import { testFirestore, type TestFirestore } from '../helpers/servers';

let fs: TestFirestore;
let index: AccountIndex;
beforeAll(async () => {
  fs = await testFirestore();
  index = createAccountIndex(fs.db);
});
afterAll(() => fs?.close());

it('maps a platform account to every connection that holds it', async () => {
  expect(await index.find('instagram', '1789')).toEqual([]);
  await index.put('instagram', '1789', { userId: 'alice', platform: 'instagram' });
  await index.put('instagram', '1789', { userId: 'alice', platform: 'instagram' }); // idempotent
  await index.put('instagram', '1789', { userId: 'bob', platform: 'instagram' });
  expect(await index.find('instagram', '1789')).toEqual([
    { userId: 'alice', platform: 'instagram' },
    { userId: 'bob', platform: 'instagram' },
  ]);
  // Same account id on another platform is another account.
  expect(await index.find('twitter', '1789')).toEqual([]);
});

it('removes one connection and the document with the last one', async () => {
  await index.put('tiktok', 'open-id.with/odd_chars', { userId: 'carol', platform: 'tiktok' });
  await index.put('tiktok', 'open-id.with/odd_chars', { userId: 'dave', platform: 'tiktok' });
  await index.remove('tiktok', 'open-id.with/odd_chars', { userId: 'carol', platform: 'tiktok' });
  expect(await index.find('tiktok', 'open-id.with/odd_chars')).toEqual([
    { userId: 'dave', platform: 'tiktok' },
  ]);
  await index.remove('tiktok', 'open-id.with/odd_chars', { userId: 'dave', platform: 'tiktok' });
  expect(await index.find('tiktok', 'open-id.with/odd_chars')).toEqual([]);
  expect((await fs.db.collection('_accountIndex').where('platform', '==', 'tiktok').get()).size).toBe(0);
  // Removing what is not there is a no-op.
  await index.remove('tiktok', 'nobody', { userId: 'dave', platform: 'tiktok' });
});

it('concurrent puts of different users all land', async () => {
  const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
  await Promise.all(users.map((userId) => index.put('twitter', '42', { userId, platform: 'twitter' })));
  const found = await index.find('twitter', '42');
  expect(found.map((k) => k.userId).sort()).toEqual(users);
});

it('refuses a connection of another platform', async () => {
  await expect(index.put('twitter', '1', { userId: 'x', platform: 'tiktok' })).rejects.toThrow(
    /cannot point/,
  );
});
