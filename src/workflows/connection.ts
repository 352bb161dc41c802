/**
 * One long-lived workflow per connection (`connection:{userId}:{platform}`). It owns everything that must not
 * race: the queue of syncs (run one at a time, each as a child workflow), the per-user rate budget, webhook
 * dedupe/debounce, token refresh timing and the needs_reauth state. It continues-as-new with its small state
 * before history grows large.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { SetStatusInput } from '../activities/types';
import type { ItemKind, PlatformId, WebhookEvent } from '../platforms/types';
import { emptyBudget, prune, remaining, waitMsFor, withWindows, type BudgetState } from './budget';
import {
  connectionStatusQuery,
  disconnectSignal,
  PlatformAttribute,
  reconnectedSignal,
  requestSyncUpdate,
  SyncModeAttribute,
  syncRequestedSignal,
  syncWorkflowId,
  UserIdAttribute,
  webhookEventsSignal,
  type RequestedSyncMode,
  type SyncHandle,
} from './definitions';
import { bookkeeping, platformCalls } from './profiles';
import {
  syncWorkflow,
  type ResumePoint,
  type SyncFailureDetails,
  type SyncOptions,
  type SyncWorkflowResult,
} from './sync';
import type { ConnectionStatusName, SyncMode, SyncSummary } from '../domain';

export interface ConnectionOptions extends SyncOptions {
  /** Quiet time after the last webhook event before the one debounced sync starts. */
  webhookDebounceMs: number;
  /** Upper bound on how long a steady stream of events can postpone that sync. */
  webhookMaxDelayMs: number;
  /** Continue-as-new once history has this many events (or when the server suggests it). */
  maxHistoryLength: number;
  /**
   * Refresh the token this long before it expires. Default: the connector's margin (X 10 min, TikTok 1 h,
   * Instagram 10 days). Tests set it close to the token's lifetime to see a proactive refresh within seconds.
   */
  refreshMarginMs?: number;
  /** Task queue prefix of the deployment (definitions.ts). */
  taskQueuePrefix?: string;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  recentWindowMs: 30 * 86_400_000,
  maxBudgetWaitMs: 60_000,
  insightsDays: 30,
  webhookDebounceMs: 10_000,
  webhookMaxDelayMs: 60_000,
  maxHistoryLength: 5_000,
};

interface QueuedSync {
  id: number;
  mode: SyncMode;
  /** Earliest start (epoch ms), for continuations that wait for the budget. */
  notBefore?: number;
}

/** Everything that survives continue-as-new. Token material never appears here: only its expiry instant. */
export interface ConnectionState {
  status: ConnectionStatusName;
  error: string | null;
  initialDone: boolean;
  budget: BudgetState | null;
  syncCount: number;
  nextRequestId: number;
  queue: QueuedSync[];
  /** Recently seen webhook event ids (bounded), for dedupe of redeliveries. */
  seenEventIds: string[];
  webhook: { count: number; firstAt: number; lastAt: number } | null;
  deletions: { kind: ItemKind; id: string }[];
  resume: Partial<Record<ItemKind, ResumePoint>>;
  lastSync: string | null;
  lastSyncMode: SyncMode | null;
  recentSyncs: SyncSummary[];
  tokenExpiresAt: number | null;
}

export interface ConnectionWorkflowInput {
  userId: string;
  platform: PlatformId;
  accountId: string;
  options?: Partial<ConnectionOptions>;
  /** Present only after continue-as-new. */
  state?: ConnectionState;
}

const SEEN_EVENT_IDS_KEPT = 1_000;
const RECENT_SYNCS_KEPT = 20;
/** Refresh never retried faster than this when the platform keeps the old expiry (e.g. Instagram < 24 h). */
const MIN_REFRESH_RETRY_MS = 10 * 60_000;

function initialState(): ConnectionState {
  return {
    status: 'connecting',
    error: null,
    initialDone: false,
    budget: null,
    syncCount: 0,
    nextRequestId: 1,
    queue: [],
    seenEventIds: [],
    webhook: null,
    deletions: [],
    resume: {},
    lastSync: null,
    lastSyncMode: null,
    recentSyncs: [],
    tokenExpiresAt: null,
  };
}

/** Syncs that walk only recent items; any of them also covers pending webhook events. */
const INCREMENTAL_MODES: readonly SyncMode[] = ['incremental', 'scheduled', 'webhook'];

export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { userId, platform } = input;
  const key = { userId, platform };
  const options: ConnectionOptions = { ...DEFAULT_CONNECTION_OPTIONS, ...input.options };
  const state: ConnectionState = input.state ?? initialState();
  const engineActivities = bookkeeping(options.taskQueuePrefix);
  const remote = platformCalls(platform, options.taskQueuePrefix);
  let accountId = input.accountId;
  let disconnected = false;
  let running: SyncHandle | null = null;
  let runningScope: CancellationScope | null = null;
  let refreshMarginMs = 0;
  let nextRefreshAt: number | null = null;
  let revoked: string | null = null;
  let reconnected = false;
  let reactivate = false;
  /** Update callers waiting for their sync to start, by queue entry id. */
  const started = new Map<number, SyncHandle>();
  const refused = new Map<number, string>();

  /** Chooses the mode a request really runs in: nothing is incremental before the first backfill completed. */
  function resolveMode(mode: RequestedSyncMode | 'webhook'): SyncMode {
    if (!state.initialDone && mode !== 'manual' && mode !== 'backfill') return 'initial';
    if (state.initialDone && mode === 'initial') return 'incremental';
    return mode;
  }

  /** Queues a sync unless an equivalent one is already waiting (requests coalesce; nothing runs twice at once). */
  function enqueue(mode: SyncMode, notBefore?: number): QueuedSync {
    const same = state.queue.find(
      (q) => q.mode === mode || (INCREMENTAL_MODES.includes(mode) && INCREMENTAL_MODES.includes(q.mode)),
    );
    if (same) {
      if (notBefore === undefined) delete same.notBefore;
      return same;
    }
    const entry: QueuedSync = {
      id: state.nextRequestId++,
      mode,
      ...(notBefore !== undefined ? { notBefore } : {}),
    };
    state.queue.push(entry);
    return entry;
  }

  function refuseQueued(reason: string): void {
    for (const entry of state.queue) refused.set(entry.id, reason);
    state.queue = [];
  }

  // ── Handlers ──────────────────────────────────────────────────────────────────────────────────────────────
  setHandler(
    requestSyncUpdate,
    async ({ mode }) => {
      const entry = enqueue(resolveMode(mode));
      await condition(() => started.has(entry.id) || refused.has(entry.id));
      const handle = started.get(entry.id);
      if (!handle)
        throw ApplicationFailure.create({
          type: 'SyncRefused',
          message: refused.get(entry.id) ?? 'refused',
          nonRetryable: true,
        });
      return handle;
    },
    {
      validator: ({ mode }) => {
        if (disconnected || state.status === 'disconnected') throw new Error('connection is disconnected');
        if (state.status === 'needs_reauth')
          throw new Error('connection needs re-authorization: reconnect first');
        if (!['initial', 'manual', 'backfill', 'scheduled', 'incremental'].includes(mode))
          throw new Error(`unknown sync mode ${mode}`);
      },
    },
  );

  setHandler(syncRequestedSignal, ({ mode }) => {
    if (disconnected || state.status === 'needs_reauth') return;
    enqueue(resolveMode(mode));
  });

  setHandler(webhookEventsSignal, (events: WebhookEvent[]) => {
    if (disconnected) return;
    const now = Date.now();
    for (const event of events) {
      if (state.seenEventIds.includes(event.eventId)) continue;
      state.seenEventIds.push(event.eventId);
      if (event.type === 'authorization_revoked') {
        revoked = `authorization removed on ${platform} (${event.name})`;
        continue;
      }
      if (event.type === 'other') continue;
      if (event.type === 'item_deleted' && event.itemKind && event.itemId) {
        state.deletions.push({ kind: event.itemKind, id: event.itemId });
      }
      state.webhook = state.webhook
        ? { count: state.webhook.count + 1, firstAt: state.webhook.firstAt, lastAt: now }
        : { count: 1, firstAt: now, lastAt: now };
    }
    if (state.seenEventIds.length > SEEN_EVENT_IDS_KEPT)
      state.seenEventIds.splice(0, state.seenEventIds.length - SEEN_EVENT_IDS_KEPT);
  });

  setHandler(reconnectedSignal, ({ accountId: id }) => {
    accountId = id;
    reconnected = true;
    // Leave needs_reauth at once, so the sync request that follows the reconnect passes the update validator.
    if (state.status === 'needs_reauth' || state.status === 'error') {
      reactivate = true;
      state.status = state.initialDone ? 'active' : 'connecting';
      state.error = null;
    }
  });

  setHandler(disconnectSignal, () => {
    disconnected = true;
    runningScope?.cancel();
  });

  setHandler(connectionStatusQuery, () => ({
    userId,
    platform,
    accountId,
    status: state.status,
    error: state.error,
    running,
    queued: state.queue.map((q) => q.mode),
    lastSync: state.lastSync,
    lastSyncMode: state.lastSyncMode,
    recentSyncs: state.recentSyncs,
    pendingWebhookEvents: state.webhook?.count ?? 0,
    seenEventCount: state.seenEventIds.length,
    pendingBackfill: Object.keys(state.resume) as ItemKind[],
    budgetRemaining: state.budget ? remaining(state.budget, Date.now()) : {},
    tokenExpiresAt: state.tokenExpiresAt,
    syncCount: state.syncCount,
  }));

  // ── Helpers that act ──────────────────────────────────────────────────────────────────────────────────────
  async function setStatus(
    status: ConnectionStatusName,
    error: string | null,
    failedSync?: SetStatusInput['failedSync'],
  ): Promise<void> {
    state.status = status;
    state.error = error;
    await engineActivities.setConnectionStatus({ key, status, error, ...(failedSync ? { failedSync } : {}) });
  }

  async function enterNeedsReauth(reason: string, failedSync?: SetStatusInput['failedSync']): Promise<void> {
    refuseQueued(`needs re-authorization: ${reason}`);
    state.webhook = null;
    // Schedule first: once the status says needs_reauth, no scheduled sync is pending any more.
    await engineActivities.pauseSchedule({ key, note: `needs_reauth: ${reason}` });
    await setStatus('needs_reauth', reason, failedSync);
  }

  async function loadTokenExpiry(): Promise<void> {
    const { expiresAt } = await engineActivities.tokenExpiry({ key });
    state.tokenExpiresAt = expiresAt;
    nextRefreshAt = expiresAt === null ? null : expiresAt - refreshMarginMs;
  }

  async function refreshToken(): Promise<void> {
    try {
      // The refresh is planned for the expiry we know: if someone else refreshed meanwhile, the activity skips it.
      const result = await remote.refreshToken({
        key,
        knownExpiresAt: state.tokenExpiresAt,
        marginMs: refreshMarginMs,
      });
      state.tokenExpiresAt = result.expiresAt;
      const due = result.expiresAt === null ? null : result.expiresAt - refreshMarginMs;
      nextRefreshAt = due === null ? null : Math.max(due, Date.now() + MIN_REFRESH_RETRY_MS);
    } catch (err) {
      if (isReauth(err)) await enterNeedsReauth('token refresh refused: the user must reconnect');
      else nextRefreshAt = Date.now() + MIN_REFRESH_RETRY_MS; // platform down: try again later, syncs refresh too
    }
  }

  async function runSync(entry: QueuedSync): Promise<void> {
    state.queue = state.queue.filter((q) => q !== entry);
    state.syncCount += 1;
    const mode = entry.mode;
    const workflowId = syncWorkflowId({ userId, platform, mode, n: state.syncCount });
    const deletions = state.deletions;
    state.deletions = [];
    if (INCREMENTAL_MODES.includes(mode) || mode === 'manual' || mode === 'initial') state.webhook = null;
    if (state.status !== 'active') state.status = 'syncing';

    runningScope = new CancellationScope();
    const startedAt = new Date(Date.now()).toISOString();
    try {
      const result: SyncWorkflowResult = await runningScope.run(async () => {
        const child = await startChild(syncWorkflow, {
          workflowId,
          args: [
            {
              userId,
              platform,
              mode,
              budget: state.budget!,
              options: {
                recentWindowMs: options.recentWindowMs,
                maxBudgetWaitMs: options.maxBudgetWaitMs,
                insightsDays: options.insightsDays,
                pageSize: options.pageSize,
              },
              resume: mode === 'backfill' ? state.resume : undefined,
              deletions,
              taskQueuePrefix: options.taskQueuePrefix,
            },
          ],
          typedSearchAttributes: [
            { key: UserIdAttribute, value: userId },
            { key: PlatformAttribute, value: platform },
            { key: SyncModeAttribute, value: mode },
          ],
        });
        running = { workflowId, runId: child.firstExecutionRunId, mode };
        started.set(entry.id, running);
        return child.result();
      });
      state.budget = result.budget;
      if (mode === 'initial' || mode === 'manual' || mode === 'backfill') state.resume = result.resume;
      // An incremental walk cut short never replaces a pending backfill point: that one covers the older part.
      else state.resume = { ...result.resume, ...state.resume };
      if (mode === 'initial' || mode === 'manual') state.initialDone = true;
      state.lastSync = new Date(Date.now()).toISOString();
      state.lastSyncMode = mode;
      state.status = 'active';
      state.error = null;
      state.recentSyncs = [result.summary, ...state.recentSyncs].slice(0, RECENT_SYNCS_KEPT);
      if (result.tokenRefreshed) await loadTokenExpiry();
      if (Object.keys(state.resume).length > 0) {
        // Finish later: a continuation once the budget has room for at least a page.
        const wait = waitMsFor(state.budget, Date.now(), 1);
        if (Number.isFinite(wait)) enqueue('backfill', Date.now() + wait);
      }
    } catch (err) {
      if (!started.has(entry.id)) refused.set(entry.id, describe(err));
      if (disconnected && isCancellation(err)) return;
      state.deletions = [...deletions, ...state.deletions];
      const details = failureDetails(err);
      if (details) state.budget = details.budget;
      const failedSync = started.has(entry.id)
        ? { mode, startedAt, failedAt: new Date(Date.now()).toISOString() }
        : undefined;
      if (details?.reason === 'needs_reauth') {
        await enterNeedsReauth(details.error, failedSync);
      } else {
        // The platform is down or answered oddly: cached data stays, the status says why; the next sync retries.
        await setStatus('error', details?.error ?? describe(err), failedSync);
      }
    } finally {
      running = null;
      runningScope = null;
    }
  }

  // ── Main loop ─────────────────────────────────────────────────────────────────────────────────────────────
  const limits = await engineActivities.platformLimits({ platform });
  refreshMarginMs = options.refreshMarginMs ?? limits.refreshMarginMs;
  state.budget = state.budget ? withWindows(state.budget, limits.rateLimits) : emptyBudget(limits.rateLimits);
  await loadTokenExpiry();
  if (!input.state) enqueue('initial');

  const webhookDueAt = () =>
    state.webhook
      ? Math.min(
          state.webhook.lastAt + options.webhookDebounceMs,
          state.webhook.firstAt + options.webhookMaxDelayMs,
        )
      : null;
  /**
   * Safe to continue-as-new: no handler is running (an update caller waits in memory for its sync to start)
   * and nothing in the queue could run now (only continuations waiting for the budget window).
   */
  const readyToContinue = () =>
    !disconnected &&
    !reconnected &&
    revoked === null &&
    allHandlersFinished() &&
    state.queue.every((q) => q.notBefore !== undefined && q.notBefore > Date.now());
  const runnable = () =>
    state.status !== 'needs_reauth'
      ? state.queue.find((q) => q.notBefore === undefined || q.notBefore <= Date.now())
      : undefined;

  while (!disconnected) {
    const now = Date.now();
    if (state.status === 'needs_reauth') {
      // Nothing to do until the user reconnects (or disconnects).
      await condition(() => disconnected || reconnected);
    } else {
      const wakeups = [webhookDueAt(), nextRefreshAt, ...state.queue.map((q) => q.notBefore ?? null)].filter(
        (t): t is number => t !== null,
      );
      const timeout = wakeups.length > 0 ? Math.max(0, Math.min(...wakeups) - now) : undefined;
      // A webhook event moves the debounce deadline: wake up to wait for the new one instead of the old timeout.
      const webhookDue = webhookDueAt();
      const woke = () =>
        disconnected ||
        revoked !== null ||
        reconnected ||
        runnable() !== undefined ||
        webhookDueAt() !== webhookDue;
      if (timeout === undefined) await condition(woke);
      else if (timeout > 0) await condition(woke, timeout);
    }
    if (disconnected) break;

    if (reconnected) {
      reconnected = false;
      revoked = null;
      if (reactivate) {
        reactivate = false;
        await engineActivities.setConnectionStatus({ key, status: 'syncing', error: null, accountId });
        await engineActivities.unpauseSchedule({ key, note: 'reconnected' });
      }
      await loadTokenExpiry();
    }
    if (revoked !== null) {
      const reason = revoked;
      revoked = null;
      await enterNeedsReauth(reason);
    }
    if (state.status === 'needs_reauth') {
      // Webhook events and schedule ticks that arrive meanwhile are dropped: a reconnect syncs anyway.
      state.webhook = null;
      state.queue = [];
    } else {
      if (nextRefreshAt !== null && nextRefreshAt <= Date.now()) await refreshToken();
      const due = webhookDueAt();
      if (due !== null && due <= Date.now()) enqueue(resolveMode('webhook'));
      const next = runnable();
      if (next) await runSync(next); // runnable() is empty once a refresh found the token dead
    }
    if (state.budget) state.budget = prune(state.budget, Date.now());

    const info = workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength > options.maxHistoryLength) && readyToContinue()) {
      // The queue (e.g. a backfill waiting for the budget window), budget, dedupe ids and resume points are all
      // in `state`, so the new run picks up exactly where this one stopped.
      await continueAsNew<typeof connectionWorkflow>({
        userId,
        platform,
        accountId,
        options: input.options,
        state,
      });
    }
  }

  refuseQueued('connection disconnected');
  state.status = 'disconnected';
  await engineActivities.setConnectionStatus({ key, status: 'disconnected', error: null });
  await condition(allHandlersFinished);
}

function failureDetails(err: unknown): SyncFailureDetails | undefined {
  if (!(err instanceof ChildWorkflowFailure)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'SyncFailed') return undefined;
  return cause.details?.[0] as SyncFailureDetails | undefined;
}

function isReauth(err: unknown): boolean {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type === 'ReauthRequired') return true;
    cause = cause.cause;
  }
  return false;
}

function describe(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
