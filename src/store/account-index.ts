/**
 * Platform account → connections, for webhooks (which name a platform account, not one of our users).
 * One server-only document per account, `_accountIndex/{platform}:{accountId}`, with the ids of every user who
 * connected it (two users of the app may connect the same account).
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { PlatformId } from '../platforms/types';
import { paths } from './paths';
import type { AccountIndex } from './types';
import type { ConnectionKey } from '../domain';

function assertSamePlatform(platform: PlatformId, key: ConnectionKey): void {
  if (key.platform !== platform) {
    throw new Error(`account index: a ${platform} account cannot point at a ${key.platform} connection`);
  }
}

export function createAccountIndex(db: Firestore): AccountIndex {
  const ref = (platform: PlatformId, accountId: string) => db.doc(paths.accountIndexDoc(platform, accountId));

  return {
    async put(platform, accountId, key) {
      assertSamePlatform(platform, key);
      // arrayUnion is atomic and idempotent: concurrent puts of different users both land, repeats change nothing.
      await ref(platform, accountId).set(
        {
          platform,
          accountId,
          userIds: FieldValue.arrayUnion(key.userId),
          updatedAt: FieldValue.serverTimestamp(),
        },
        { merge: true },
      );
    },

    async find(platform, accountId) {
      const snap = await ref(platform, accountId).get();
      const userIds: unknown = snap.get('userIds');
      if (!Array.isArray(userIds)) return [];
      return userIds
        .filter((u): u is string => typeof u === 'string')
        .map((userId) => ({ userId, platform }));
    },

    async remove(platform, accountId, key) {
      assertSamePlatform(platform, key);
      const target = ref(platform, accountId);
      // A transaction so that "last user gone → delete the document" cannot race with a concurrent put.
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(target);
        if (!snap.exists) return;
        const userIds = ((snap.get('userIds') as unknown[] | undefined) ?? []).filter(
          (u) => u !== key.userId,
        );
        if (userIds.length === 0) tx.delete(target);
        else tx.update(target, { userIds, updatedAt: FieldValue.serverTimestamp() });
      });
    },
  };
}
