import type { AccountIndex } from '../store/types';
import { cachedAccountIndex } from './account-cache';
import type { ConnectionKey } from '../domain';

function counting(): AccountIndex & { reads: number; users: Map<string, string[]> } {
  const users = new Map<string, string[]>();
  const index = {
    reads: 0,
    users,
    put: async (_p: string, accountId: string, key: ConnectionKey) => {
      users.set(accountId, [...(users.get(accountId) ?? []), key.userId]);
    },
    remove: async (_p: string, accountId: string, key: ConnectionKey) => {
      users.set(
        accountId,
        (users.get(accountId) ?? []).filter((u) => u !== key.userId),
      );
    },
    find: async (platform: 'tiktok', accountId: string) => {
      index.reads++;
      return (users.get(accountId) ?? []).map((userId) => ({ userId, platform }));
    },
  };
  return index as unknown as AccountIndex & { reads: number; users: Map<string, string[]> };
}

describe('cachedAccountIndex', () => {
  const alice: ConnectionKey = { userId: 'alice', platform: 'tiktok' };

  it('reads once per account within the TTL, and again after it', async () => {
    let now = 0;
    const inner = counting();
    const cached = cachedAccountIndex(inner, { ttlMs: 1_000, now: () => now });
    await inner.put('tiktok', 'a1', alice);
    await Promise.all([cached.find('tiktok', 'a1'), cached.find('tiktok', 'a1')]);
    await cached.find('tiktok', 'a1');
    expect(inner.reads).toBe(1);
    now = 1_001;
    await cached.find('tiktok', 'a1');
    expect(inner.reads).toBe(2);
  });

  it('sees a connect or disconnect made through it at once, even of a cached unknown account', async () => {
    const cached = cachedAccountIndex(counting(), { ttlMs: 60_000 });
    expect(await cached.find('tiktok', 'a1')).toEqual([]);
    await cached.put('tiktok', 'a1', alice);
    expect(await cached.find('tiktok', 'a1')).toEqual([alice]);
    await cached.remove('tiktok', 'a1', alice);
    expect(await cached.find('tiktok', 'a1')).toEqual([]);
  });

  it('does not cache a failed read', async () => {
    const inner = counting();
    const find = inner.find;
    let fail = true;
    inner.find = (p, a) => (fail ? Promise.reject(new Error('firestore down')) : find(p, a));
    const cached = cachedAccountIndex(inner, { ttlMs: 60_000 });
    await expect(cached.find('tiktok', 'a1')).rejects.toThrow('firestore down');
    fail = false;
    expect(await cached.find('tiktok', 'a1')).toEqual([]);
  });
});
