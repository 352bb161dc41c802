/**
 * The dashboard's reads of the Firestore layout the sink writes (docs/contract.md → Firestore): the list of users
 * with a connection, a connection's daily insights and its recent items. Read-only.
 *
 * Listing users: there is no `users/{userId}` document (only its `platforms` subcollection), so users are found with
 * a collection-group query on `platforms` ordered by document path. Paths sort segment by segment, so a user's
 * platform documents are adjacent and users come in id order; a page of N users reads at most N × (number of
 * platforms) documents, and the cursor is the last user id of the page. The search is an id prefix: a path range
 * `users/{prefix}` … `users/{prefix}\uf8ff`. Ordering by document path needs no extra index. Connections that need
 * attention come from `where('status', 'in', ['needs_reauth', 'error'])` on the same group, which needs the
 * collection-group index on `status` declared in firestore.indexes.json.
 */
import { FieldPath, type Firestore, type Query } from 'firebase-admin/firestore';
import { COLLECTIONS, paths } from '../../store/paths';
import {
  ITEM_KINDS,
  PLATFORM_IDS,
  type ConnectionKey,
  type ConnectionStatusName,
  type ItemKind,
  type PlatformId,
  type SyncMode,
} from '../../domain';

export interface ConnectionRow {
  platform: PlatformId;
  status: ConnectionStatusName;
  lastSync: Date | null;
  lastSyncMode: SyncMode | null;
  counts: Partial<Record<ItemKind, number>>;
  error?: string;
}

export interface UserRow {
  userId: string;
  connections: ConnectionRow[];
}

export interface UsersPage {
  users: UserRow[];
  /** The user id to continue after; absent on the last page. */
  next?: string;
}

export interface DailyInsightRow {
  date: string;
  metrics: Record<string, number>;
}

export interface RecentItem {
  id: string;
  kind: ItemKind;
  text: string;
  createdAt: Date | null;
  metrics: Record<string, number>;
  attributes: Record<string, string | number>;
}

export interface DashboardReader {
  listUsers(opts: { limit: number; after?: string; prefix?: string }): Promise<UsersPage>;
  /** Connections in `needs_reauth` or `error`, at most `limit`, with the user they belong to. */
  problems(limit: number): Promise<(ConnectionRow & { userId: string })[]>;
  dailyInsights(key: ConnectionKey, limit: number): Promise<DailyInsightRow[]>;
  /** Newest first, deleted items skipped. */
  recentItems(key: ConnectionKey, kind: ItemKind, limit: number): Promise<RecentItem[]>;
}

export const PROBLEM_STATUSES: readonly ConnectionStatusName[] = ['needs_reauth', 'error'];

/** The last code point Firestore strings sort before: `prefix + HIGH` bounds every string starting with `prefix`. */
const HIGH = '\uf8ff';

const numbers = (value: unknown): Record<string, number> =>
  Object.fromEntries(
    Object.entries((value ?? {}) as Record<string, unknown>).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    ),
  );

const dateOf = (value: unknown): Date | null => {
  const ts = value as { toDate?: () => Date } | undefined;
  return ts?.toDate ? ts.toDate() : null;
};

function rowOf(platform: PlatformId, data: Record<string, unknown>): ConnectionRow {
  return {
    platform,
    status: data.status as ConnectionStatusName,
    lastSync: dateOf(data.lastSync),
    lastSyncMode: (data.lastSyncMode as SyncMode | undefined) ?? null,
    counts: numbers(data.counts),
    ...(typeof data.error === 'string' && data.error ? { error: data.error } : {}),
  };
}

/** `users/{userId}/platforms/{platform}` → its parts; undefined for anything else in the group. */
function keyOf(path: string): ConnectionKey | undefined {
  const parts = path.split('/');
  if (parts.length !== 4 || parts[0] !== COLLECTIONS.users || parts[2] !== COLLECTIONS.platforms)
    return undefined;
  const platform = parts[3] as PlatformId;
  return PLATFORM_IDS.includes(platform) ? { userId: parts[1]!, platform } : undefined;
}

export function firestoreDashboardReader(db: Firestore): DashboardReader {
  const group = () => db.collectionGroup(COLLECTIONS.platforms);
  const userPath = (userId: string) => `${COLLECTIONS.users}/${userId}`;

  return {
    async listUsers({ limit, after, prefix }) {
      const perUser = PLATFORM_IDS.length;
      let query: Query = group()
        .orderBy(FieldPath.documentId())
        .select('status', 'lastSync', 'lastSyncMode', 'counts', 'error');
      if (prefix) {
        query = query
          .where(FieldPath.documentId(), '>=', userPath(prefix))
          .where(FieldPath.documentId(), '<', userPath(`${prefix}${HIGH}`));
      }
      // After the last platform document of `after`: every platform id sorts below HIGH.
      if (after) query = query.startAfter(`${userPath(after)}/${COLLECTIONS.platforms}/${HIGH}`);
      // N users have at most N × perUser documents. If fewer than N users come back in that many documents, each
      // had all its platforms in them, so every user read is complete; if more, the first N are.
      const snap = await query.limit(limit * perUser).get();
      const users: UserRow[] = [];
      for (const doc of snap.docs) {
        const key = keyOf(doc.ref.path);
        if (!key) continue;
        const last = users.at(-1);
        const row = rowOf(key.platform, doc.data());
        if (last?.userId === key.userId) last.connections.push(row);
        else users.push({ userId: key.userId, connections: [row] });
      }
      const more = users.length > limit || snap.size === limit * perUser;
      const page = users.slice(0, limit);
      return { users: page, ...(more && page.length > 0 ? { next: page.at(-1)!.userId } : {}) };
    },

    async problems(limit) {
      const snap = await group()
        .where('status', 'in', [...PROBLEM_STATUSES])
        .select('status', 'lastSync', 'lastSyncMode', 'counts', 'error')
        .limit(limit)
        .get();
      return snap.docs.flatMap((doc) => {
        const key = keyOf(doc.ref.path);
        return key ? [{ userId: key.userId, ...rowOf(key.platform, doc.data()) }] : [];
      });
    },

    async dailyInsights(key, limit) {
      // The newest `limit` days, then oldest first for the chart. By the `date` field (= the document id) on its
      // automatic index: Firestore refuses descending scans of document ids.
      const snap = await db
        .collection(paths.insightsCollection(key))
        .orderBy('date', 'desc')
        .limit(limit)
        .get();
      return snap.docs
        .filter((doc) => /^\d{4}-\d{2}-\d{2}$/.test(doc.id))
        .map((doc) => ({ date: doc.id, metrics: numbers(doc.get('metrics')) }))
        .reverse();
    },

    async recentItems(key, kind, limit) {
      if (!ITEM_KINDS[key.platform].includes(kind)) return [];
      // Over-fetch a little: a few of the newest may be deleted and filtered out below.
      const snap = await db
        .collection(paths.itemCollection(key, kind))
        .orderBy('createdAt', 'desc')
        .limit(limit + 10)
        .get();
      const items: RecentItem[] = [];
      for (const doc of snap.docs) {
        const data = doc.data();
        if (data.deleted === true) continue;
        const attributes = Object.fromEntries(
          Object.entries((data.attributes ?? {}) as Record<string, unknown>).filter(
            (e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number',
          ),
        );
        items.push({
          id: doc.id,
          kind,
          text: typeof data.text === 'string' ? data.text : '',
          createdAt: dateOf(data.createdAt),
          metrics: numbers(data.metrics),
          attributes,
        });
        if (items.length === limit) break;
      }
      return items;
    },
  };
}
