/**
 * Activities: every network call and every Firestore write of a sync, each small enough to retry on its own.
 * `createActivities(deps)` is the only place they get their dependencies. Tokens are loaded here by
 * (userId, platform) and never leave: inputs and results carry only ids, counts, cursors and instants.
 */
import { Context } from '@temporalio/activity';
import type { Logger } from '../shared/logger';
import type { EngineMetrics } from '../shared/metrics';
import { isPlatformError } from '../platforms/errors';
import {
  ITEM_KINDS,
  type Item,
  type ItemKind,
  type PlatformConnector,
  type PlatformId,
  type TokenSet,
} from '../platforms/types';
import type { ConnectorRegistry } from '../platforms/registry';
import { batches as inBatches, estimateCostUsd, roundUsd, usageMonth } from '../platforms/billing';
import type { ItemCursor, SyncSink, TokenStore } from '../store/types';
import { pendingPatch } from '../store/pending';
import { createBusinessFetch, mergeBusiness } from './business-account';
import { missingTokenFailure, toActivityFailure } from './failures';
import { createTokenRefresher, type TokenRefreshSettings } from './token-refresh';
import { validateAccount, validateItems } from './validate-output';
import type {
  BilledReads,
  FinishSyncInput,
  FinishSyncResult,
  MarkDeletedInput,
  MarkUnseenDeletedInput,
  PlatformLimits,
  RefreshItemsByIdInput,
  RefreshItemsByIdResult,
  RefreshPlan,
  RefreshPlanInput,
  RefreshTokenInput,
  RefreshTokenResult,
  ScheduleControlInput,
  SchedulePauser,
  SetStatusInput,
  SyncAccountInput,
  SyncAccountResult,
  PagesCheckpoint,
  SyncItemsPageInput,
  SyncItemsPageResult,
  SyncItemsPagesInput,
  SyncItemsPagesResult,
  SyncStartedInput,
  TokenExpiry,
} from './types';
import { isValidDocumentId, type ConnectionKey, type ReadUsage } from '../domain';

export interface Clock {
  now(): number;
}

export interface ActivityDeps {
  connectors: ConnectorRegistry;
  sink: SyncSink;
  tokenStore: TokenStore;
  schedules: SchedulePauser;
  logger: Logger;
  /** Time used to turn a platform's reset instant into a retry delay (tests pass the sandbox clock). */
  clock?: Clock;
  /** Prometheus metrics (`GET /metrics` of the service): API calls, rate limits, sync durations. */
  metrics?: EngineMetrics;
  /** Refresh lease and save retries (defaults in token-refresh.ts; tests shorten the waits). */
  tokenRefresh?: Partial<TokenRefreshSettings>;
}

/** How often long activities report liveness (the workflows set a heartbeat timeout of a few times this). */
const HEARTBEAT_EVERY_MS = 2_000;

/** Heartbeats while `work` runs, so a worker that dies mid-call is noticed within the heartbeat timeout. */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called outside an activity (unit tests of the closures)
  }
  if (!ctx) return work();
  const activity = ctx;
  activity.heartbeat();
  const timer = setInterval(() => activity.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Page size of full walks in `syncItemsPages` when the workflow names none: the largest each list endpoint allows
 * (X timeline 100, TikTok video/list 20), fewer calls and round trips per walk. Instagram keeps 50 of its 100: one
 * media whose inline insights are refused fails its whole page, which is then read again plain plus one call per
 * media, so a larger page makes that fallback dearer.
 */
export const LARGEST_PAGE: Readonly<Record<PlatformId, number>> = {
  instagram: 50,
  twitter: 100,
  tiktok: 20,
};

const callsOf = (usage: Record<string, number>): number => Object.values(usage).reduce((s, n) => s + n, 0);

/** The activity context, or undefined outside an activity (unit tests of the closures). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** A checkpoint with one more page folded in. */
export function foldPage(
  cp: PagesCheckpoint,
  page: { written: number; nextCursor: string | null; usage: Record<string, number> } & Pick<
    SyncItemsPageResult,
    'newestId' | 'newestCreatedAt' | 'oldestCreatedAt'
  >,
): PagesCheckpoint {
  const usage = { ...cp.usage };
  for (const [bucket, n] of Object.entries(page.usage)) usage[bucket] = (usage[bucket] ?? 0) + n;
  const newer = page.newestCreatedAt && (!cp.newestCreatedAt || page.newestCreatedAt > cp.newestCreatedAt);
  const older = page.oldestCreatedAt && (!cp.oldestCreatedAt || page.oldestCreatedAt < cp.oldestCreatedAt);
  return {
    ...cp,
    cursor: page.nextCursor,
    pages: cp.pages + 1,
    written: cp.written + page.written,
    ...(newer ? { newestId: page.newestId, newestCreatedAt: page.newestCreatedAt } : {}),
    ...(older ? { oldestCreatedAt: page.oldestCreatedAt } : {}),
    usage,
  };
}

function addReadUsage(a: ReadUsage | undefined, b: ReadUsage): ReadUsage {
  return { posts: (a?.posts ?? 0) + b.posts, users: (a?.users ?? 0) + b.users };
}

function newestAndOldest(
  items: Item[],
): Pick<SyncItemsPageResult, 'newestId' | 'newestCreatedAt' | 'oldestCreatedAt'> {
  let newest: Item | undefined;
  let oldest: Item | undefined;
  for (const item of items) {
    const t = Date.parse(item.createdAt);
    if (!newest || t > Date.parse(newest.createdAt)) newest = item;
    if (!oldest || t < Date.parse(oldest.createdAt)) oldest = item;
  }
  return {
    newestId: newest?.id ?? null,
    newestCreatedAt: newest ? new Date(newest.createdAt).toISOString() : null,
    oldestCreatedAt: oldest ? new Date(oldest.createdAt).toISOString() : null,
  };
}

export function createActivities(deps: ActivityDeps) {
  const clock: Clock = deps.clock ?? { now: () => Date.now() };
  const log = deps.logger.child({ module: 'activities' });
  const metrics = deps.metrics;

  function countCalls(platform: PlatformId, usage: Record<string, number>): void {
    for (const [bucket, calls] of Object.entries(usage)) metrics?.apiCalls.inc({ platform, bucket }, calls);
  }

  /**
   * Billable reads of one platform call (pay-per-use platforms only): priced, counted in `/metrics` and added to the
   * connection's usage of the month. Recorded where they happen, so reads of a sync that fails later still count.
   */
  async function recordReads(key: ConnectionKey, reads: ReadUsage | undefined): Promise<BilledReads> {
    const billing = deps.connectors[key.platform]?.billing;
    if (!billing || !reads) return {};
    const costUsd = estimateCostUsd(reads, billing.prices);
    if (reads.posts + reads.users === 0) return { reads, costUsd };
    metrics?.platformReads.inc({ platform: key.platform, resource: 'posts' }, reads.posts);
    metrics?.platformReads.inc({ platform: key.platform, resource: 'users' }, reads.users);
    metrics?.estimatedCost.inc({ platform: key.platform }, costUsd);
    await deps.sink.addUsage(key, {
      month: usageMonth(clock.now()),
      postReads: reads.posts,
      userReads: reads.users,
      estimatedCostUsd: costUsd,
    });
    return { reads, costUsd };
  }

  function observeSync(
    key: ConnectionKey,
    sync: { mode: string; startedAt?: string; at: number },
    outcome: string,
  ) {
    if (!metrics || !sync.startedAt) return;
    const seconds = Math.max(0, sync.at - Date.parse(sync.startedAt)) / 1000;
    metrics.syncDuration.observe({ platform: key.platform, mode: sync.mode, outcome }, seconds);
  }

  function connectorFor(platform: PlatformId): PlatformConnector {
    const connector = deps.connectors[platform];
    if (!connector)
      throw toActivityFailure(new Error(`no connector configured for ${platform}`), clock.now());
    return connector;
  }

  async function loadToken(key: ConnectionKey): Promise<TokenSet> {
    const tokens = await deps.tokenStore.load(key);
    if (!tokens) throw missingTokenFailure(key.platform);
    return tokens;
  }

  // Load → platform refresh → save under the connection's refresh lease (finding 6 of issue 14): rotating refresh
  // tokens must never be spent twice, not by two workers, nor by a retry overlapping a crashed attempt.
  const refresher = createTokenRefresher({
    tokenStore: deps.tokenStore,
    platformRefresh: (key, tokens) => connectorFor(key.platform).oauth.refresh(tokens),
    now: () => clock.now(),
    logger: log,
    settings: deps.tokenRefresh,
  });
  const refresh = (key: ConnectionKey, tokens: TokenSet): Promise<TokenSet> => refresher.refresh(key, tokens);
  // The optional second authorization (TikTok Business API), read inside syncAccount (business-account.ts).
  const fetchBusiness = createBusinessFetch({
    tokenStore: deps.tokenStore,
    logger: log,
    now: () => clock.now(),
    tokenRefresh: deps.tokenRefresh,
  });

  /**
   * Runs `call` with the stored token. An expired token is refreshed once and the call repeated; every failure
   * leaves here classified for Temporal (see failures.ts). `held` keeps the token between the calls of one activity
   * (a page batch loads it once, not once per page); a token rotated elsewhere meanwhile is answered as expired by
   * the platform, and the refresher then returns the stored one instead of refreshing again.
   */
  async function withToken<T>(
    key: ConnectionKey,
    call: (tokens: TokenSet) => Promise<T>,
    held?: { tokens?: TokenSet },
  ): Promise<{ value: T; refreshed: boolean }> {
    try {
      let tokens = held?.tokens ?? (await loadToken(key));
      let refreshed = false;
      const keep = (fresh: TokenSet) => {
        tokens = fresh;
        if (held) held.tokens = fresh;
      };
      keep(tokens);
      if (tokens.expiresAt !== undefined && tokens.expiresAt <= clock.now()) {
        keep(await refresh(key, tokens));
        refreshed = true;
      }
      try {
        return { value: await call(tokens), refreshed };
      } catch (err) {
        if (!isPlatformError(err, 'token_expired') || refreshed) throw err;
        keep(await refresh(key, tokens));
        return { value: await call(tokens), refreshed: true };
      }
    } catch (err) {
      if (isPlatformError(err, 'rate_limited')) metrics?.rateLimited.inc({ platform: key.platform });
      throw toActivityFailure(err, clock.now());
    }
  }

  /** Mapper output checked against the canonical models before it is written; invalid output fails permanent. */
  function checked(validate: () => void): void {
    try {
      validate();
    } catch (err) {
      throw toActivityFailure(err, clock.now());
    }
  }

  return {
    /** Per-user rate windows and refresh margin of a platform, as configured for this deployment. */
    async platformLimits({ platform }: { platform: PlatformId }): Promise<PlatformLimits> {
      const connector = connectorFor(platform);
      return {
        rateLimits: connector.rateLimits.map((w) => ({ ...w })),
        refreshMarginMs: connector.oauth.refreshMarginMs,
      };
    },

    async tokenExpiry({ key }: { key: ConnectionKey }): Promise<TokenExpiry> {
      const tokens = await deps.tokenStore.load(key);
      return { expiresAt: tokens?.expiresAt ?? null };
    },

    /**
     * Refreshes the stored token when it is due. Only the new expiry instant is returned; a token someone else
     * already refreshed is left alone.
     */
    async refreshToken({ key, knownExpiresAt, marginMs }: RefreshTokenInput): Promise<RefreshTokenResult> {
      try {
        const connector = connectorFor(key.platform);
        const tokens = await loadToken(key);
        const due =
          tokens.expiresAt !== undefined &&
          (knownExpiresAt != null
            ? tokens.expiresAt <= knownExpiresAt
            : tokens.expiresAt - (marginMs ?? connector.oauth.refreshMarginMs) <= clock.now());
        if (!due) return { expiresAt: tokens.expiresAt ?? null, refreshed: false };
        // Heartbeating: waiting for another process's refresh can take longer than the heartbeat timeout.
        const fresh = await heartbeating(() => refresh(key, tokens));
        return { expiresAt: fresh.expiresAt ?? null, refreshed: true };
      } catch (err) {
        throw toActivityFailure(err, clock.now());
      }
    },

    /** Profile, latest insights, daily insights and audience: fetched and written in one retryable step. */
    async syncAccount({ key, since, until }: SyncAccountInput): Promise<SyncAccountResult> {
      const connector = connectorFor(key.platform);
      const { value: snapshot, refreshed } = await heartbeating(() =>
        withToken(key, (tokens) =>
          connector.fetchAccount(tokens, { since: new Date(since), until: new Date(until) }),
        ),
      );
      const { usage, reads, ...fetched } = snapshot;
      let account = fetched;
      const business = connector.business
        ? await heartbeating(() =>
            fetchBusiness({
              key,
              business: connector.business!,
              range: { since: new Date(since), until: new Date(until) },
            }),
          )
        : undefined;
      if (business) {
        const merged = mergeBusiness(fetched, business, await deps.sink.readConnection(key));
        account = merged.account;
        for (const [bucket, calls] of Object.entries(business.part?.usage ?? {}))
          usage[bucket] = (usage[bucket] ?? 0) + calls;
        await deps.sink.updateConnection(key, { business: merged.state });
      }
      countCalls(key.platform, usage);
      const billed = await recordReads(key, reads);
      checked(() => validateAccount(key.platform, account));
      await deps.sink.writeAccount(key, account);
      return {
        accountId: snapshot.accountId,
        postCount: snapshot.profile.postCount ?? null,
        usage,
        tokenRefreshed: refreshed,
        ...billed,
      };
    },

    /**
     * One page of items: fetched through the connector and written through the sink (idempotent merge by
     * platform id), so a retry after a crash rewrites the same documents and duplicates nothing.
     */
    async syncItemsPage(input: SyncItemsPageInput): Promise<SyncItemsPageResult> {
      const { key, kind, syncId } = input;
      const connector = connectorFor(key.platform);
      const { value: page, refreshed } = await heartbeating(() =>
        withToken(key, (tokens) =>
          connector.listItems(tokens, {
            kind,
            cursor: input.cursor,
            pageSize: input.pageSize,
            sinceId: input.sinceId,
          }),
        ),
      );
      countCalls(key.platform, page.usage);
      const billed = await recordReads(key, page.reads);
      checked(() => validateItems(key.platform, kind, page.items));
      const written =
        page.items.length > 0
          ? await heartbeating(() => deps.sink.writeItems(key, kind, page.items, { syncId }))
          : 0;
      return {
        written,
        nextCursor: page.nextCursor ?? null,
        ...newestAndOldest(page.items),
        usage: page.usage,
        tokenRefreshed: refreshed,
        ...billed,
      };
    },

    /**
     * Up to `maxPages` pages of one walk in one activity: each page is written before the next is asked for (the
     * next page's request is already on its way while the current one is written), and after each write the
     * progress is recorded as heartbeat details. A retried attempt resumes from them: a failure costs the failed
     * call, not the pages before it. Stops early at the end of the list or past `stopBefore`.
     */
    async syncItemsPages(input: SyncItemsPagesInput): Promise<SyncItemsPagesResult> {
      const { key, kind, syncId } = input;
      const connector = connectorFor(key.platform);
      const ctx = activityContext();
      const saved = ctx?.info.heartbeatDetails as PagesCheckpoint | undefined;
      let cp: PagesCheckpoint = saved ?? {
        cursor: input.cursor ?? null,
        pages: 0,
        written: 0,
        newestId: null,
        newestCreatedAt: null,
        oldestCreatedAt: null,
        usage: {},
        tokenRefreshed: false,
        done: false,
      };
      // Full walks read the largest pages; walks that stop at a horizon keep the connector's default, so they do
      // not read far past it.
      const pageSize = input.pageSize ?? (input.stopBefore ? undefined : LARGEST_PAGE[key.platform]);
      // One token load per batch, not per page.
      const held: { tokens?: TokenSet } = {};
      const fetchPage = (cursor: string | undefined) =>
        withToken(
          key,
          (tokens) => connector.listItems(tokens, { kind, cursor, pageSize, sinceId: input.sinceId }),
          held,
        );
      const beat = () => ctx?.heartbeat(cp);
      beat();
      const timer = ctx ? setInterval(beat, HEARTBEAT_EVERY_MS) : undefined;
      try {
        // The first page of a fresh walk has no cursor; a resumed walk continues at the saved one.
        let next =
          cp.done || (cp.pages > 0 && cp.cursor === null) ? undefined : fetchPage(cp.cursor ?? undefined);
        while (next) {
          const { value: page, refreshed } = await next;
          countCalls(key.platform, page.usage);
          checked(() => validateItems(key.platform, kind, page.items));
          const edges = newestAndOldest(page.items);
          const nextCursor = page.nextCursor ?? null;
          const pastHorizon =
            input.stopBefore !== undefined &&
            edges.oldestCreatedAt !== null &&
            edges.oldestCreatedAt < input.stopBefore;
          // `maxPages` also bounds the calls: a page can cost more than one (Instagram's per-media fallback), and
          // like one page per activity, the batch never starts a page once its share of the budget is spent.
          const used = callsOf(cp.usage) + callsOf(page.usage);
          const last =
            nextCursor === null || cp.pages + 1 >= input.maxPages || used >= input.maxPages || pastHorizon;
          // Ask for the next page while this one is written; a failure there surfaces when it is awaited.
          next = last ? undefined : fetchPage(nextCursor ?? undefined);
          next?.catch(() => undefined);
          const written =
            page.items.length > 0 ? await deps.sink.writeItems(key, kind, page.items, { syncId }) : 0;
          cp = { ...foldPage(cp, { ...edges, written, nextCursor, usage: page.usage }), done: last };
          cp.tokenRefreshed ||= refreshed;
          const billed = await recordReads(key, page.reads);
          if (billed.reads) {
            cp.reads = addReadUsage(cp.reads, billed.reads);
            cp.costUsd = roundUsd((cp.costUsd ?? 0) + (billed.costUsd ?? 0));
          }
          beat();
        }
      } finally {
        if (timer) clearInterval(timer);
      }
      return {
        pages: cp.pages,
        written: cp.written,
        nextCursor: cp.cursor,
        newestId: cp.newestId,
        newestCreatedAt: cp.newestCreatedAt,
        oldestCreatedAt: cp.oldestCreatedAt,
        usage: cp.usage,
        tokenRefreshed: cp.tokenRefreshed,
        ...(cp.reads ? { reads: cp.reads, costUsd: cp.costUsd } : {}),
      };
    },

    /**
     * Which stored items an incremental sync refreshes by id (pay-per-use platforms: X). Young items every sync,
     * plus a bounded rotation of older ones (least recently updated first); null where reads are not billed, and the
     * sync walks the listing as before.
     */
    async refreshPlan({ key, kind }: RefreshPlanInput): Promise<RefreshPlan> {
      const billing = deps.connectors[key.platform]?.billing;
      if (!billing) return null;
      const { maxAgeMs, rotation } = billing.refresh;
      // maxAgeMs 0: nothing is refreshed for its age (the cutoff is now, so every stored item counts as older).
      const createdSince = new Date(clock.now() - maxAgeMs);
      const { recent, older } = await deps.sink.refreshCandidates(key, kind, {
        createdSince,
        olderLimit: rotation,
      });
      return { ids: [...recent, ...older], recent: recent.length, batchSize: 100 };
    },

    /**
     * Current metrics of stored items, one batch of ids (X `GET /2/tweets?ids=`, at most 100): written like a page,
     * and ids the platform no longer has (X: `resource-not-found` errors) marked deleted.
     */
    async refreshItemsByIds({
      key,
      kind,
      syncId,
      ids,
    }: RefreshItemsByIdInput): Promise<RefreshItemsByIdResult> {
      const connector = connectorFor(key.platform);
      const valid = ids.filter((id) => isValidDocumentId(id));
      const { value: answer, refreshed } = await heartbeating(() =>
        withToken(key, async (tokens) => {
          const items: Item[] = [];
          const missing: string[] = [];
          const usage: Record<string, number> = {};
          const reads: ReadUsage = { posts: 0, users: 0 };
          // The connector splits by its own limit too; batching here keeps one call per activity attempt.
          for (const batch of inBatches(valid, 100)) {
            const part = await connector.refreshItems(tokens, { kind, ids: batch });
            items.push(...part.items);
            missing.push(...part.missing);
            for (const [bucket, n] of Object.entries(part.usage)) usage[bucket] = (usage[bucket] ?? 0) + n;
            reads.posts += part.reads?.posts ?? 0;
            reads.users += part.reads?.users ?? 0;
          }
          return { items, missing, usage, reads };
        }),
      );
      countCalls(key.platform, answer.usage);
      const billed = await recordReads(key, answer.reads);
      checked(() => validateItems(key.platform, kind, answer.items));
      const written =
        answer.items.length > 0
          ? await heartbeating(() => deps.sink.writeItems(key, kind, answer.items, { syncId }))
          : 0;
      const gone = answer.missing.filter((id) => isValidDocumentId(id));
      if (gone.length > 0) await deps.sink.markDeleted(key, kind, gone);
      return { written, deleted: gone.length, usage: answer.usage, tokenRefreshed: refreshed, ...billed };
    },

    /** Incremental checkpoints saved by earlier syncs (the platform document is their source of truth). */
    async readCheckpoints({ key }: { key: ConnectionKey }): Promise<Partial<Record<ItemKind, ItemCursor>>> {
      const current = await deps.sink.readConnection(key);
      return current?.cursors ?? {};
    },

    /**
     * Only for sync runs begun before the connection workflow became the one writer of `status` (the patch in
     * src/workflows/patches.ts): they still call it, so it stays registered. It writes nothing.
     */
    async syncStarted({ key, mode }: SyncStartedInput): Promise<void> {
      log.debug({ userId: key.userId, platform: key.platform, mode }, 'sync started');
    },

    async markUnseenDeleted({ key, kind, syncId, from, to }: MarkUnseenDeletedInput): Promise<number> {
      const ids = await deps.sink.markUnseenDeleted(key, kind, {
        syncId,
        from: new Date(from),
        to: new Date(to),
      });
      return ids.length;
    },

    async markItemsDeleted({ key, kind, ids }: MarkDeletedInput): Promise<number> {
      // Syncs started before the connection workflow dropped invalid ids may still carry one: an id no document can
      // have is skipped (and logged by count), never allowed to fail the sync (finding 2 of issue 14).
      const valid = ids.filter((id) => isValidDocumentId(id));
      if (valid.length < ids.length)
        log.warn(
          { userId: key.userId, platform: key.platform, kind, skipped: ids.length - valid.length },
          'deletions with invalid item ids skipped',
        );
      if (valid.length === 0) return 0;
      await deps.sink.markDeleted(key, kind, valid);
      return valid.length;
    },

    /**
     * Saves checkpoints, lastSync, counts and pending — called only after every write of the sync has landed.
     * `status` and `error` are the connection workflow's to write (it says `active` once this sync is done).
     */
    async finishSync(input: FinishSyncInput): Promise<FinishSyncResult> {
      const { key } = input;
      // The document and the counts of every kind are read at once: each is a round trip to Firestore.
      const kinds = ITEM_KINDS[key.platform];
      const [current, ...totals] = await Promise.all([
        deps.sink.readConnection(key),
        ...kinds.map((kind) => deps.sink.countItems(key, kind)),
      ]);
      const counts: FinishSyncResult['counts'] = {};
      kinds.forEach((kind, i) => (counts[kind] = totals[i] as number));
      await deps.sink.updateConnection(key, {
        lastSync: new Date(input.finishedAt),
        lastSyncMode: input.mode,
        counts,
        cursors: { ...(current?.cursors ?? {}), ...input.cursors },
        ...(input.pending && Object.keys(input.pending).length > 0 ? pendingPatch(input.pending) : {}),
      });
      observeSync(
        key,
        { mode: input.mode, startedAt: input.startedAt, at: Date.parse(input.finishedAt) },
        'completed',
      );
      return { counts };
    },

    async setConnectionStatus({
      key,
      status,
      error,
      accountId,
      failedSync,
      pausedUntil,
    }: SetStatusInput): Promise<void> {
      if (failedSync) observeSync(key, { ...failedSync, at: Date.parse(failedSync.failedAt) }, 'failed');
      const current = await deps.sink.readConnection(key);
      // Once disconnected, only a new connect (which writes its own status) brings the connection back.
      if (current?.status === 'disconnected' && status !== 'disconnected') return;
      await deps.sink.updateConnection(key, {
        status,
        error,
        ...(accountId ? { accountId } : {}),
        ...(pausedUntil !== undefined
          ? { pausedUntil: pausedUntil === null ? null : new Date(pausedUntil) }
          : {}),
      });
    },

    async pauseSchedule({ key, note }: ScheduleControlInput): Promise<void> {
      await deps.schedules.pause(key, note);
    },

    async unpauseSchedule({ key, note }: ScheduleControlInput): Promise<void> {
      await deps.schedules.unpause(key, note);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
