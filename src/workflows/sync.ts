/**
 * One sync run, started as a child of the connection workflow (so every sync is a workflow in the UI, with
 * SyncMode). Item data never passes through history: each page is ONE activity that fetches and writes; the
 * workflow only sees counts, cursors and instants. Checkpoints and lastSync are saved last, after every write.
 */
import {
  ApplicationFailure,
  CancelledFailure,
  condition,
  isCancellation,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { BilledReads, RefreshPlan, SyncItemsPageResult } from '../activities/types';
import { addReads, batches, noReads, roundUsd } from '../platforms/billing';
import type { CallUsage } from '../platforms/types';
import type { ItemCursor } from '../store/types';
import {
  FailureType,
  INCREMENTAL_MODES,
  ITEM_KINDS,
  type ItemKind,
  type PlatformId,
  type ReadUsage,
  type SyncMode,
  type SyncSummary,
} from '../domain';
import { charge, remaining, waitMsFor, type BudgetState } from './budget';
import { describeFailure, isReauthFailure, usageCappedUntil, type SyncFailureDetails } from './failures';
import { CONCURRENT_WALKS_PATCH, REFRESH_BY_IDS_PATCH, STATUS_WRITER_PATCH } from './patches';
import { bookkeepingOf, pageBatches, platformCalls } from './profiles';

/** Lists that only ever show a recent slice: a stored item outside it is not "deleted" for being unseen. */
const LISTING_AGE_LIMIT_MS: Partial<Record<ItemKind, number>> = { stories: 24 * 3_600_000 };
/** Lists capped at the newest N items (X 3,200 posts, Instagram 10k media): older stored items are kept. */
const LISTING_COUNT_CAP: Partial<Record<ItemKind, number>> = { tweets: 3_200, posts: 10_000 };

/** Budget reserved before an activity whose real usage is known only afterwards. */
const PAGE_CALL_ESTIMATE = 1;
const ACCOUNT_CALL_ESTIMATE = 4;

/**
 * Platforms that bill every read (X). Their incremental syncs read only new items (`since_id`) and refresh stored
 * ones by id as the connector's `billing` policy says (docs/twitter.md → Cost); this list only spares the other
 * platforms the planning step.
 */
const PAY_PER_USE: readonly PlatformId[] = ['twitter'];
/**
 * Account calls per day of insights read (Instagram: one per day, src/platforms/instagram). Concurrent syncs reserve
 * them up front, since the walks running beside the account read cannot wait for its real usage.
 */
const ACCOUNT_CALLS_PER_DAY: Partial<Record<PlatformId, number>> = { instagram: 1 };
/** Most pages one `syncItemsPages` activity reads (CONCURRENT_WALKS_PATCH); fewer when the budget has less room. */
export const PAGES_PER_ACTIVITY = 10;

export interface SyncOptions {
  /** Incremental syncs refresh metrics of items created within this window (default 30 days). */
  recentWindowMs: number;
  /** Longest durable wait for the budget before the sync stops and leaves the rest pending. */
  maxBudgetWaitMs: number;
  /** Days of daily account insights read by full syncs (incremental ones read 3, covering the 48 h lag). */
  insightsDays: number;
  pageSize?: number;
}

/** Where a walk that ran out of budget stopped, so a later sync continues instead of starting over. */
export interface ResumePoint {
  /** Next page to read; absent when the walk has to start from the newest item. */
  cursor?: string;
  /** Oldest createdAt already covered (ISO); the continuation covers strictly older items. */
  coveredFrom?: string;
  /** Items covered by the walk (and the walks it continues) so far, for the pending estimate. */
  covered?: number;
}

export interface SyncWorkflowInput {
  userId: string;
  platform: PlatformId;
  mode: SyncMode;
  budget: BudgetState;
  options: SyncOptions;
  resume?: Partial<Record<ItemKind, ResumePoint>>;
  /** Deletions reported by webhooks, applied by this sync. */
  deletions?: { kind: ItemKind; id: string }[];
  /** Task queue prefix of the deployment (definitions.ts). */
  taskQueuePrefix?: string;
}

export interface SyncWorkflowResult {
  summary: SyncSummary;
  budget: BudgetState;
  /** Walks the budget cut short; empty when the sync covered everything it meant to. */
  resume: Partial<Record<ItemKind, ResumePoint>>;
  tokenRefreshed: boolean;
}

const FULL_MODES: readonly SyncMode[] = ['initial', 'manual', 'backfill'];

/** What one step of a walk read: one page, or (CONCURRENT_WALKS_PATCH) a batch of pages. */
type WalkStep = SyncItemsPageResult & { pages: number };

interface WalkResult {
  written: number;
  deleted: number;
  seen: number;
  cursor?: ItemCursor;
  resume?: ResumePoint;
}

export async function syncWorkflow(input: SyncWorkflowInput): Promise<SyncWorkflowResult> {
  const { userId, platform, mode, options } = input;
  const key = { userId, platform };
  const info = workflowInfo();
  const syncId = info.runId;
  const started = Date.now();
  const engine = bookkeepingOf(input.taskQueuePrefix);
  const remote = platformCalls(platform, input.taskQueuePrefix);
  const pageBatchCalls = pageBatches(platform, input.taskQueuePrefix);
  const full = FULL_MODES.includes(mode);

  let budget = input.budget;
  let calls = 0;
  let tokenRefreshed = false;
  /** Set once in the try block below: account and walks at once, several pages per activity. */
  let concurrent = false;
  /** Calls reserved by activities in flight (concurrent syncs only), not yet charged to the budget. */
  let reserved = 0;
  /** Billable reads and their cost, summed over the sync's platform calls (pay-per-use platforms only). */
  let reads: ReadUsage | undefined;
  let costUsd = 0;

  /** Waits (durably) for room in the budget; false when the wait would be longer than allowed. */
  async function budgetAllows(estimate: number): Promise<boolean> {
    const wait = waitMsFor(budget, Date.now(), estimate);
    if (wait === 0) return true;
    if (wait > options.maxBudgetWaitMs) return false;
    await sleep(wait);
    return true;
  }

  /**
   * Runs a platform activity, charging what it used (or the estimate, when it failed after calling out); a concurrent
   * sync also releases the reservation `reserveBudget` made for it.
   */
  async function spend<T extends { usage: CallUsage; tokenRefreshed: boolean } & BilledReads>(
    estimate: number,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await run();
      budget = charge(budget, Date.now(), result.usage);
      calls += Object.values(result.usage).reduce((s, n) => s + n, 0);
      tokenRefreshed ||= result.tokenRefreshed;
      if (result.reads) {
        reads = addReads(reads ?? noReads(), result.reads);
        costUsd = roundUsd(costUsd + (result.costUsd ?? 0));
      }
      return result;
    } catch (err) {
      if (!isCancellation(err)) {
        budget = charge(budget, Date.now(), estimate);
        calls += estimate;
      }
      throw err;
    } finally {
      if (concurrent) reserved -= estimate;
    }
  }

  /**
   * Concurrent syncs: waits for room for `estimate` calls beyond those already reserved by activities in flight,
   * and reserves it in the same step (no other walk can take it between the check and the reservation). False
   * when the wait would be longer than allowed.
   */
  async function reserveBudget(estimate: number): Promise<boolean> {
    for (;;) {
      const wait = waitMsFor(budget, Date.now(), estimate + reserved);
      if (wait === 0) {
        reserved += estimate;
        return true;
      }
      if (wait > options.maxBudgetWaitMs && reserved > 0) {
        // What is in flight decides: once it is charged, the real wait is known.
        const before = reserved;
        await condition(() => reserved < before);
        continue;
      }
      if (wait > options.maxBudgetWaitMs) return false;
      await sleep(wait);
    }
  }

  /** Room for a page batch: the budget's smallest remaining bucket less what is reserved, 1..PAGES_PER_ACTIVITY. */
  function batchSize(): number {
    const room =
      Math.min(...Object.values(remaining(budget, Date.now())), Number.POSITIVE_INFINITY) - reserved;
    return Math.max(1, Math.min(PAGES_PER_ACTIVITY, Math.floor(room)));
  }

  /**
   * One step of a walk: before CONCURRENT_WALKS_PATCH one `syncItemsPage` activity, after it one `syncItemsPages`
   * activity of up to PAGES_PER_ACTIVITY pages. Undefined when the budget says stop.
   */
  async function readPages(req: {
    kind: ItemKind;
    cursor?: string;
    sinceId?: string;
    horizon?: number;
  }): Promise<WalkStep | undefined> {
    const { kind, cursor, sinceId } = req;
    if (!concurrent) {
      if (!(await budgetAllows(PAGE_CALL_ESTIMATE))) return undefined;
      const page = await spend(PAGE_CALL_ESTIMATE, () =>
        remote.syncItemsPage({ key, kind, syncId, cursor, sinceId, pageSize: options.pageSize }),
      );
      return { ...page, pages: 1 };
    }
    const maxPages = batchSize();
    if (!(await reserveBudget(maxPages))) return undefined;
    return spend(maxPages, () =>
      pageBatchCalls.syncItemsPages({
        key,
        kind,
        syncId,
        cursor,
        sinceId,
        pageSize: options.pageSize,
        maxPages,
        ...(req.horizon !== undefined ? { stopBefore: new Date(req.horizon).toISOString() } : {}),
      }),
    );
  }

  /** `newOnly`: read only items newer than the checkpoint (their stored ones are refreshed by id instead). */
  async function walk(
    kind: ItemKind,
    checkpoint: ItemCursor | undefined,
    newOnly = false,
  ): Promise<WalkResult> {
    const resumeFrom = mode === 'backfill' ? input.resume?.[kind] : undefined;
    const incremental = !full && checkpoint?.newestCreatedAt !== undefined;
    // Incremental walks go newest-first until past both the checkpoint and the metric-refresh window.
    const horizon = incremental
      ? Math.min(Date.parse(checkpoint!.newestCreatedAt!), Date.now() - options.recentWindowMs)
      : undefined;
    // Without a refresh window only new items matter: let X filter server-side with since_id.
    const sinceId =
      incremental && (newOnly || options.recentWindowMs === 0) ? checkpoint?.newestId : undefined;

    let cursor = resumeFrom?.cursor;
    let pages = 0;
    let written = 0;
    let seen = 0;
    let newest: { id: string; at: string } | undefined;
    let oldest: string | undefined;
    let complete = false;
    let resume: ResumePoint | undefined;
    const walkStarted = new Date(Date.now()).toISOString();

    for (;;) {
      const page = await readPages({ kind, cursor, sinceId, horizon });
      if (!page) {
        // Most recent items were covered first; the older rest stays pending for a later sync.
        const covered = (resumeFrom?.covered ?? 0) + seen;
        resume =
          pages === 0
            ? (resumeFrom ?? {})
            : { cursor, coveredFrom: oldest ?? resumeFrom?.coveredFrom, covered };
        break;
      }
      pages += page.pages;
      written += page.written;
      seen += page.written;
      if (page.newestId && page.newestCreatedAt && (!newest || page.newestCreatedAt > newest.at)) {
        newest = { id: page.newestId, at: page.newestCreatedAt };
      }
      if (page.oldestCreatedAt && (!oldest || page.oldestCreatedAt < oldest)) oldest = page.oldestCreatedAt;
      if (!page.nextCursor) {
        complete = true;
        break;
      }
      cursor = page.nextCursor;
      if (horizon !== undefined && page.oldestCreatedAt && Date.parse(page.oldestCreatedAt) < horizon) break;
    }
    // Nothing fetched: nothing covered, nothing to compare against.
    if (pages === 0) return { written, deleted: 0, seen, resume };

    const deleted = await detectDeletions({
      kind,
      complete,
      seen,
      oldest,
      newest: newest?.at,
      walkStarted,
      resumeFrom,
      sinceCheckpoint: sinceId ? checkpoint : undefined,
    });
    // A continuation never moves the checkpoint: the newest items were covered by the sync it continues.
    const advanced =
      !resumeFrom && newest && (!checkpoint?.newestCreatedAt || newest.at >= checkpoint.newestCreatedAt);
    return {
      written,
      deleted,
      seen,
      resume,
      cursor: advanced ? { newestId: newest!.id, newestCreatedAt: newest!.at } : undefined,
    };
  }

  /**
   * The stored items of `plan`, refreshed in batches by id (X `GET /2/tweets?ids=`); ids the platform no longer has
   * are marked deleted. What the budget does not cover now waits for the next sync.
   */
  async function refreshByIds(kind: ItemKind, plan: NonNullable<RefreshPlan>) {
    let written = 0;
    let deleted = 0;
    for (const ids of batches(plan.ids, plan.batchSize)) {
      // Concurrent syncs reserve (spend then releases the reservation); earlier runs just wait for room.
      if (!(await (concurrent ? reserveBudget : budgetAllows)(PAGE_CALL_ESTIMATE))) break;
      const result = await spend(PAGE_CALL_ESTIMATE, () =>
        remote.refreshItemsByIds({ key, kind, syncId, ids }),
      );
      written += result.written;
      deleted += result.deleted;
    }
    return { written, deleted };
  }

  /** Marks stored items of the covered createdAt range that this sync did not see. */
  async function detectDeletions(w: {
    kind: ItemKind;
    complete: boolean;
    seen: number;
    oldest?: string;
    newest?: string;
    walkStarted: string;
    resumeFrom?: ResumePoint;
    sinceCheckpoint?: ItemCursor;
  }): Promise<number> {
    const cap = LISTING_COUNT_CAP[w.kind];
    const reachedEnd = w.complete && (cap === undefined || w.seen < cap);
    let from: number;
    if (w.sinceCheckpoint?.newestCreatedAt) from = Date.parse(w.sinceCheckpoint.newestCreatedAt) + 1;
    else if (reachedEnd) from = 0;
    else if (w.oldest) from = Date.parse(w.oldest);
    else return 0;
    const ageLimit = LISTING_AGE_LIMIT_MS[w.kind];
    if (ageLimit !== undefined) from = Math.max(from, Date.parse(w.walkStarted) - ageLimit);
    // A continuation covers only what is older than the part already done.
    const to = w.resumeFrom?.coveredFrom
      ? Date.parse(w.resumeFrom.coveredFrom) - 1
      : Date.parse(w.newest ?? w.walkStarted);
    if (to < from) return 0;
    return engine.markUnseenDeleted({
      key,
      kind: w.kind,
      syncId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
  }

  try {
    // Runs begun before the connection workflow became the one writer of `status` still say `syncing` here.
    if (!patched(STATUS_WRITER_PATCH)) await engine.syncStarted({ key, mode });
    concurrent = patched(CONCURRENT_WALKS_PATCH);
    const checkpoints = full ? {} : await engine.readCheckpoints({ key });

    /** Profile and account insights; the post count (null when the budget left no room for it). */
    const syncAccount = async (): Promise<number | null> => {
      const insightsDays = full ? options.insightsDays : 3;
      // Never more than a whole window allows (a small budget still reads the account, as before).
      const estimate = concurrent
        ? Math.min(
            ACCOUNT_CALL_ESTIMATE + (ACCOUNT_CALLS_PER_DAY[platform] ?? 0) * insightsDays,
            ...budget.windows.map((w) => w.limit),
          )
        : ACCOUNT_CALL_ESTIMATE;
      if (!(await (concurrent ? reserveBudget : budgetAllows)(estimate))) return null;
      const account = await spend(estimate, () =>
        remote.syncAccount({ key, since: Date.now() - insightsDays * 86_400_000, until: Date.now() }),
      );
      return account.postCount;
    };

    let itemsWritten = 0;
    let itemsDeleted = 0;
    let pending = 0;
    /** Per kind, for the platform document; only full walks know what is left (see below). */
    const pendingByKind: Partial<Record<ItemKind, number>> = {};
    const cursors: Partial<Record<ItemKind, ItemCursor>> = {};
    const resume: Partial<Record<ItemKind, ResumePoint>> = {};
    // A backfill that continues earlier work walks only the kinds left pending.
    const continuing = mode === 'backfill' && input.resume && Object.keys(input.resume).length > 0;
    const kinds = ITEM_KINDS[platform].filter((kind) => !continuing || input.resume?.[kind] !== undefined);
    // Pay-per-use (X) incremental syncs read new items with since_id and refresh stored ones by id; runs recorded
    // before REFRESH_BY_IDS_PATCH replay without it.
    const syncKind = async (kind: ItemKind): Promise<KindResult> => {
      const sinceOnly =
        PAY_PER_USE.includes(platform) &&
        INCREMENTAL_MODES.includes(mode) &&
        checkpoints[kind]?.newestId !== undefined &&
        patched(REFRESH_BY_IDS_PATCH);
      // A webhook sync is about new and deleted posts (X sends no metric events): it pays for no metric refresh.
      const byIds = sinceOnly && mode !== 'webhook' ? await engine.refreshPlan({ key, kind }) : null;
      const walked = await walk(kind, checkpoints[kind], sinceOnly);
      return { walked, refreshed: byIds ? await refreshByIds(kind, byIds) : undefined };
    };
    const { postCount, walks } = concurrent
      ? await accountAndWalksAtOnce(syncAccount, kinds, syncKind)
      : await accountThenWalks(syncAccount, kinds, syncKind);
    for (const [i, kind] of kinds.entries()) {
      const { walked: result, refreshed } = walks[i]!;
      itemsWritten += result.written;
      itemsDeleted += result.deleted;
      if (refreshed) {
        itemsWritten += refreshed.written;
        itemsDeleted += refreshed.deleted;
      }
      if (result.cursor) cursors[kind] = result.cursor;
      if (result.resume !== undefined) {
        resume[kind] = result.resume;
        const primary = kind === ITEM_KINDS[platform][0];
        const left = pendingEstimate({
          total: primary ? postCount : null,
          covered: result.resume.covered ?? result.seen,
        });
        pending += left;
        pendingByKind[kind] = left;
      } else if (full) {
        // A full walk that reached its end leaves nothing pending for this kind: clear what an earlier cut left.
        pendingByKind[kind] = 0;
      }
    }

    if (input.deletions && input.deletions.length > 0) {
      for (const kind of new Set(input.deletions.map((d) => d.kind))) {
        const ids = input.deletions.filter((d) => d.kind === kind).map((d) => d.id);
        itemsDeleted += await engine.markItemsDeleted({ key, kind, ids });
      }
    }

    // Incremental walks stop at their horizon by design, so they say nothing about an older part still pending.
    await engine.finishSync({
      key,
      mode,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(Date.now()).toISOString(),
      cursors,
      pending: full ? pendingByKind : {},
    });

    return {
      summary: {
        workflowId: info.workflowId,
        runId: info.runId,
        userId,
        platform,
        mode,
        itemsWritten,
        itemsDeleted,
        calls,
        durationMs: Date.now() - started,
        pending,
        ...(reads ? { reads, estimatedCostUsd: costUsd } : {}),
      },
      budget,
      resume,
      tokenRefreshed,
    };
  } catch (err) {
    if (isCancellation(err) || err instanceof CancelledFailure) throw err;
    const cappedUntil = usageCappedUntil(err);
    const details: SyncFailureDetails = {
      reason: isReauthFailure(err) ? 'needs_reauth' : cappedUntil ? 'usage_capped' : 'error',
      error: describeFailure(err),
      budget,
      calls,
      ...(cappedUntil ? { pausedUntil: cappedUntil } : {}),
      ...(reads ? { reads, estimatedCostUsd: costUsd } : {}),
    };
    throw ApplicationFailure.create({
      type: FailureType.syncFailed,
      message: details.error,
      nonRetryable: true,
      details: [details],
      cause: err instanceof Error ? err : undefined,
    });
  }
}

/** One kind's walk, and the refresh by ids that follows it on pay-per-use platforms. */
interface KindResult {
  walked: WalkResult;
  refreshed?: { written: number; deleted: number };
}

interface AccountAndWalks {
  postCount: number | null;
  /** One result per kind, in the order of the kinds. */
  walks: KindResult[];
}

/** Before CONCURRENT_WALKS_PATCH: the account, then each kind's walk, one after another. */
async function accountThenWalks(
  account: () => Promise<number | null>,
  kinds: readonly ItemKind[],
  walk: (kind: ItemKind) => Promise<KindResult>,
): Promise<AccountAndWalks> {
  const postCount = await account();
  const walks: KindResult[] = [];
  for (const kind of kinds) walks.push(await walk(kind));
  return { postCount, walks };
}

/**
 * CONCURRENT_WALKS_PATCH: the account and every kind's walk at once (they share the budget through reservations).
 * All of them finish before a failure is reported, so no activity is left running behind a failed sync.
 */
async function accountAndWalksAtOnce(
  account: () => Promise<number | null>,
  kinds: readonly ItemKind[],
  walk: (kind: ItemKind) => Promise<KindResult>,
): Promise<AccountAndWalks> {
  const [first, ...rest] = await Promise.allSettled([account(), ...kinds.map((kind) => walk(kind))]);
  const failed = [first, ...rest].find((r) => r?.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
  return {
    postCount: (first as PromiseFulfilledResult<number | null>).value,
    walks: rest.map((r) => (r as PromiseFulfilledResult<KindResult>).value),
  };
}

/**
 * Items a cut-short walk left for later: what the profile says exists minus what was covered, at least one
 * (the walk stopped before the end, so something is left); 1 when the platform gives no total (e.g. stories).
 */
export function pendingEstimate({ total, covered }: { total: number | null; covered: number }): number {
  return total === null ? 1 : Math.max(1, total - covered);
}
