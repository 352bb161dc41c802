/**
 * Issue 13's call-plan-equal loop (printed beside the target's baseline, the seed-literal loop in seed-loop.ts): the
 * seed's `syncAllPlatforms` shape, written as a competent engineer would write that shape. For each user, for each platform: fetch everything (profile, daily insights, audience, every page of
 * every item kind, largest page the API allows) over the platform's documented HTTP API, then save it to Firestore
 * in batches; a failing platform is logged with console.error and skipped, like the seed.
 *
 * The HTTP calls and the mapping to the Firestore form are the connectors' (plain axios underneath, the same
 * requests socialsync makes, including the documented fallbacks for refused insights), built here with in-call
 * retries OFF and every call one after another: the loop has no retry and no concurrency of its own, as in the
 * seed. Re-implementing three platforms' requests and
 * fallbacks a second time would compare two connectors, not two orchestrations; what differs here is only the
 * orchestration (sequential, no Temporal, no retries, no budget).
 */
import { syncAllPlatforms } from './seed-shape';
import { createConnectors, type ConnectorRegistry } from '../src/platforms/registry';
import { createInstagramConnector, instagramSettingsFromEnv } from '../src/platforms/instagram';
import type { AccountSnapshot, Item, ItemKind } from '../src/platforms/types';
import type { SyncSink } from '../src/store/types';
import type { Env } from '../src/config';
import type { BenchConnection } from './multi-platform';
import { ITEM_KINDS, type PlatformId } from '../src/domain';

/**
 * The page sizes socialsync's full walks use (src/activities: LARGEST_PAGE): the largest X (100) and TikTok (20)
 * allow, Instagram 50 of its 100 (a media whose inline insights are refused sends its whole page to one call per
 * media, so 100-media pages cost the loop about 50 % more calls on the bench's data).
 */
const MAX_PAGE: Record<PlatformId, number> = { instagram: 50, twitter: 100, tiktok: 20 };
const DAY_MS = 86_400_000;

export interface PlainLoopDeps {
  config: Env;
  sink: SyncSink;
  now: () => number;
  /** Called instead of console.error when set (the bench counts failures and keeps its output short). */
  onError?: (message: string) => void;
}

/** One user of the loop: their connection per platform. */
export type PlainUser = Partial<Record<PlatformId, BenchConnection>>;

/**
 * The connectors without in-call retries, and Instagram's insights calls one after another (socialsync's connector
 * asks 6 at a time): a plain loop makes one call after the other.
 */
export function plainConnectors(deps: PlainLoopDeps): ConnectorRegistry {
  const plain = { now: deps.now, retry: { retries: 0 } };
  return {
    ...createConnectors(deps.config, plain, ['twitter', 'tiktok']),
    instagram: createInstagramConnector(instagramSettingsFromEnv(deps.config), {
      ...plain,
      insightsConcurrency: 1,
    }),
  };
}

/** `syncAllPlatforms` for every user, one after another. Returns how many platform syncs failed. */
export async function plainSyncAll(deps: PlainLoopDeps, users: readonly PlainUser[]): Promise<number> {
  const connectors = plainConnectors(deps);
  let failed = 0;
  for (const user of users)
    failed += await syncAllPlatforms(user, {
      fetch: (_platform, connection) => syncPlatform(deps, connectors, connection),
      save: (connection, data) => saveToFirestore(deps, connection, data),
      onError: deps.onError,
    });
  return failed;
}

interface PlatformData {
  account: AccountSnapshot;
  items: Partial<Record<ItemKind, Item[]>>;
}

async function syncPlatform(
  deps: PlainLoopDeps,
  connectors: ConnectorRegistry,
  { key, tokens }: BenchConnection,
): Promise<PlatformData> {
  const connector = connectors[key.platform]!;
  const now = deps.now();
  const account = await connector.fetchAccount(tokens, {
    since: new Date(now - 30 * DAY_MS),
    until: new Date(now),
  });
  const items: Partial<Record<ItemKind, Item[]>> = {};
  for (const kind of ITEM_KINDS[key.platform]) {
    const all: Item[] = [];
    let cursor: string | undefined;
    do {
      const page = await connector.listItems(tokens, { kind, cursor, pageSize: MAX_PAGE[key.platform] });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    items[kind] = all;
  }
  return { account, items };
}

async function saveToFirestore(
  deps: PlainLoopDeps,
  { key }: BenchConnection,
  data: PlatformData,
): Promise<void> {
  const { usage: _usage, ...account } = data.account;
  await deps.sink.writeAccount(key, account);
  for (const [kind, items] of Object.entries(data.items) as [ItemKind, Item[]][])
    await deps.sink.writeItems(key, kind, items, { syncId: 'plain-loop' });
  await deps.sink.updateConnection(key, { status: 'active', lastSync: new Date(deps.now()) });
}
