/**
 * The dashboard's read model of stored items: a connection's best items by likes, read straight from the
 * Firestore layout the sink writes (docs/contract.md → Firestore). Items marked `deleted` are skipped.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { ItemKind } from '../../platforms/types';
import { paths } from '../../store/paths';
import type { ConnectionKey } from '../../domain';

export interface StoredItemView {
  id: string;
  kind: ItemKind;
  text: string;
  createdAt: Date | null;
  metrics: Record<string, number>;
}

export interface TopItemsReader {
  topItems(key: ConnectionKey, kind: ItemKind, limit: number): Promise<StoredItemView[]>;
}

/** The metric items are ranked by; every platform's items carry `likes`. */
export const RANKING_METRIC = 'likes';

export function firestoreTopItems(db: Firestore): TopItemsReader {
  return {
    async topItems(key, kind, limit) {
      // Over-fetch a little: a few of the best may be deleted and filtered out below.
      const snap = await db
        .collection(paths.itemCollection(key, kind))
        .orderBy(`metrics.${RANKING_METRIC}`, 'desc')
        .limit(limit + 10)
        .get();
      const items: StoredItemView[] = [];
      for (const doc of snap.docs) {
        const data = doc.data();
        if (data.deleted === true) continue;
        const createdAt = data.createdAt as { toDate?: () => Date } | undefined;
        items.push({
          id: doc.id,
          kind,
          text: typeof data.text === 'string' ? data.text : '',
          createdAt: createdAt?.toDate ? createdAt.toDate() : null,
          metrics: (data.metrics ?? {}) as Record<string, number>,
        });
        if (items.length === limit) break;
      }
      return items;
    },
  };
}
