/**
 * A short-lived in-memory cache in front of the account index, so a burst of webhooks for one account costs one
 * Firestore read instead of one per request. `put` and `remove` through this wrapper drop the account's entry, so a
 * connect or disconnect made by THIS process is seen by its very next webhook. A change made by another process is
 * seen within `ttlMs`; until then an event for a freshly connected account is answered 2xx as unknown (its initial
 * sync, started right after indexing, fetches the account's state anyway), and one for a disconnected account reaches
 * `deliverWebhookEvents`, which drops it after reading the connection.
 */
import type { PlatformId } from '../platforms/types';
import type { AccountIndex } from '../store/types';
import type { ConnectionKey } from '../domain';

export const DEFAULT_ACCOUNT_CACHE_TTL_MS = 5_000;
/** Bound on cached accounts; the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

export function cachedAccountIndex(
  index: AccountIndex,
  { ttlMs = DEFAULT_ACCOUNT_CACHE_TTL_MS, now = Date.now }: { ttlMs?: number; now?: () => number } = {},
): AccountIndex {
  if (ttlMs <= 0) return index;
  const entries = new Map<string, { expiresAt: number; keys: Promise<ConnectionKey[]> }>();
  const id = (platform: PlatformId, accountId: string) => `${platform}:${accountId}`;
  return {
    async put(platform, accountId, key) {
      entries.delete(id(platform, accountId));
      try {
        await index.put(platform, accountId, key);
      } finally {
        // Also after: a lookup that started while the write was in flight may have cached the old value.
        entries.delete(id(platform, accountId));
      }
    },
    async remove(platform, accountId, key) {
      entries.delete(id(platform, accountId));
      try {
        await index.remove(platform, accountId, key);
      } finally {
        entries.delete(id(platform, accountId));
      }
    },
    find(platform, accountId) {
      const k = id(platform, accountId);
      const hit = entries.get(k);
      if (hit && hit.expiresAt > now()) return hit.keys;
      // Concurrent lookups share one read; a failed read is not cached.
      const keys = index.find(platform, accountId);
      const entry = { expiresAt: now() + ttlMs, keys };
      entries.delete(k);
      entries.set(k, entry);
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      keys.catch(() => {
        if (entries.get(k) === entry) entries.delete(k);
      });
      return keys;
    },
  };
}
