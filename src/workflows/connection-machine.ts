/**
 * The logic of the connection workflow as a deterministic state machine: events in (sync requests, webhook
 * events, sync and token results, timers, reconnect, disconnect), decisions out (start a sync, refresh the token,
 * write a status, pause or unpause the schedule, wait until an instant, continue-as-new). It never awaits and
 * never touches Temporal: `connection.ts` executes its decisions with activities, child workflows and timers and
 * feeds the results back, and the unit tests drive it with a fake clock in milliseconds.
 *
 * The loop it encodes, one turn at a time: wait (for a timer or an event) → leave on disconnect → reconnect →
 * revoked consent → refresh the token when due → queue the debounced webhook sync → run the next runnable sync →
 * continue-as-new when history is long and it is safe. Decisions that follow from a result (a failed sync moves
 * to needs_reauth, a finished one queues its backfill continuation) come next, before the turn goes on.
 */
import type { RateWindow, WebhookEvent } from '../platforms/types';
import {
  INCREMENTAL_MODES,
  isValidDocumentId,
  REQUESTABLE_SYNC_MODES,
  type ConnectionStatusName,
  type ItemKind,
  type PlatformId,
  type RequestedSyncMode,
  type SyncMode,
  type SyncSummary,
} from '../domain';
import { emptyBudget, prune, remaining, waitMsFor, withWindows, type BudgetState } from './budget';
import type { ConnectionQueryResult, SyncHandle } from './definitions';
import { STATUS_WRITER_PATCH } from './patches';
import type { SyncFailureDetails } from './failures';
import type { ResumePoint, SyncOptions, SyncWorkflowResult } from './sync';

export interface ConnectionOptions extends SyncOptions {
  /**
   * Leading edge: the first webhook event of an idle connection starts its sync at once, and the events that arrive
   * while a sync runs coalesce into one follow-up that starts as soon as it ends (a burst of any size costs two
   * syncs). Without it, events wait for `webhookDebounceMs` of quiet (at most `webhookMaxDelayMs`).
   */
  webhookLeadingEdge: boolean;
  /** Quiet time after the last webhook event before the one debounced sync starts (trailing edge only). */
  webhookDebounceMs: number;
  /** Upper bound on how long a steady stream of events can postpone that sync (trailing edge only). */
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
  webhookLeadingEdge: true,
  webhookDebounceMs: 250,
  webhookMaxDelayMs: 2_000,
  maxHistoryLength: 5_000,
};

/** The webhook timing of runs started before WEBHOOK_LEADING_EDGE_PATCH (trailing 10 s debounce, 60 s cap). */
export const LEGACY_WEBHOOK_OPTIONS: Pick<
  ConnectionOptions,
  'webhookLeadingEdge' | 'webhookDebounceMs' | 'webhookMaxDelayMs'
> = { webhookLeadingEdge: false, webhookDebounceMs: 10_000, webhookMaxDelayMs: 60_000 };

export interface QueuedSync {
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
  deletions: QueuedDeletion[];
  /**
   * Webhook deletions given up: ids no document can have, or carried back by MAX_DELETION_SYNCS failed syncs
   * (finding 2 of issue 14). Absent in state carried from runs before it.
   */
  droppedDeletions?: number;
  resume: Partial<Record<ItemKind, ResumePoint>>;
  lastSync: string | null;
  lastSyncMode: SyncMode | null;
  recentSyncs: SyncSummary[];
  tokenExpiresAt: number | null;
  /**
   * Epoch ms until which the platform's syncs are paused: its billing-period cap is used up (X's monthly post cap).
   * Schedule ticks and webhook events are skipped meanwhile, requested syncs refused; one incremental sync is
   * queued for the moment it lifts. Absent in state carried from runs before it.
   */
  pausedUntil?: number | null;
}

/** A deletion a webhook announced; `failedSyncs` counts the failed syncs that carried it back to the queue. */
export interface QueuedDeletion {
  kind: ItemKind;
  id: string;
  failedSyncs?: number;
}

/**
 * How many syncs may carry a deletion: one that keeps failing them is dropped (the next full walk's
 * unseen-item check still catches a really deleted item), so one bad deletion cannot fail every later sync.
 */
export const MAX_DELETION_SYNCS = 3;

export const SEEN_EVENT_IDS_KEPT = 1_000;
export const RECENT_SYNCS_KEPT = 20;
/** Refresh never retried faster than this when the platform keeps the old expiry (e.g. Instagram < 24 h). */
export const MIN_REFRESH_RETRY_MS = 10 * 60_000;

/** The connection's status message while a usage cap pauses it. */
export function usageCapMessage(platform: PlatformId, until: number): string {
  const what = platform === 'twitter' ? 'X monthly post cap' : `${platform} usage cap`;
  return `${what} reached; syncs paused until ${new Date(until).toISOString()}`;
}

export function initialConnectionState(): ConnectionState {
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

/** What the workflow around the machine provides: workflow time and what Temporal says about the run. */
export interface ConnectionMachineEnv {
  /** Epoch ms (workflow time in the workflow, a fake clock in tests). */
  now(): number;
  /** History length and the server's continue-as-new hint. */
  history(): { length: number; continueAsNewSuggested: boolean };
  /** True when no signal or update handler is still running (an update caller waits for its sync in memory). */
  handlersFinished(): boolean;
}

export interface ConnectionMachineInput {
  userId: string;
  platform: PlatformId;
  accountId: string;
  options: ConnectionOptions;
  /** Present only after continue-as-new. */
  state?: ConnectionState;
  env: ConnectionMachineEnv;
}

/** A sync the workflow should start as a child workflow; its id is `syncWorkflowId({ …, mode, n })`. */
export interface SyncStart {
  mode: SyncMode;
  /** The connection's sync counter, part of the child's workflow id. */
  n: number;
  budget: BudgetState;
  resume?: Partial<Record<ItemKind, ResumePoint>>;
  deletions: { kind: ItemKind; id: string }[];
}

export interface StatusWrite {
  status: ConnectionStatusName;
  error: string | null;
  accountId?: string;
  /** The sync whose failure this status reports, for the sync metrics. */
  failedSync?: { mode: SyncMode; startedAt: string; failedAt: string };
  /** Written only when `patched(patch)` holds (a command added after runs had started). */
  patch?: string;
  /** ISO instant syncs are paused until; null clears it; absent leaves the stored value alone. */
  pausedUntil?: string | null;
}

export type ConnectionDecision =
  /** Load the platform's rate windows and refresh margin; answer with `limitsLoaded`. */
  | { type: 'loadLimits' }
  /** Read the stored token's expiry; answer with `tokenExpiryLoaded`. */
  | { type: 'loadTokenExpiry' }
  /**
   * Wait until `until` (epoch ms) or until `woken()` holds, whichever comes first; `until: null` waits for an
   * event only. Then ask for the next decision.
   */
  | { type: 'wait'; until: number | null }
  /** Refresh the token planned for `knownExpiresAt`; answer with `tokenRefreshed` or `tokenRefreshFailed`. */
  | { type: 'refreshToken'; knownExpiresAt: number | null; marginMs: number }
  | ({ type: 'setStatus' } & StatusWrite)
  | { type: 'pauseSchedule'; note: string }
  | { type: 'unpauseSchedule'; note: string }
  /** Start the sync; answer with `syncStarted`, then `syncSucceeded` or `syncFailed`. */
  | { type: 'startSync'; sync: SyncStart }
  | { type: 'continueAsNew'; accountId: string; state: ConnectionState }
  /** Disconnected: wait for the running handlers to finish, then end the workflow. */
  | { type: 'finish' };

/** What an update caller waiting for its sync learns: the sync's handle, or why it was refused. */
export type SyncRequestOutcome = { handle: SyncHandle } | { refused: string };

/** A step of the agenda: runs when its turn comes (so it sees the state of that moment), may yield a decision. */
type Step = () => ConnectionDecision | undefined;

type Phase =
  'start' | 'top' | 'wait' | 'woken' | 'reconnect' | 'revoke' | 'work' | 'housekeeping' | 'end' | 'done';

interface RunningSync {
  entry: QueuedSync;
  mode: SyncMode;
  deletions: QueuedDeletion[];
  startedAt: string;
}

export class ConnectionMachine {
  readonly userId: string;
  readonly platform: PlatformId;
  private accountId: string;
  private readonly options: ConnectionOptions;
  private readonly env: ConnectionMachineEnv;
  private readonly carried: boolean;
  private readonly state: ConnectionState;

  private disconnected = false;
  private reconnectedFlag = false;
  private reactivate = false;
  private revoked: string | null = null;
  private refreshMarginMs = 0;
  private nextRefreshAt: number | null = null;
  private running: SyncHandle | null = null;
  private current: RunningSync | null = null;
  /** The running sync was superseded by a reconnect (see `supersedeRunningSync`). */
  private superseded = false;
  /** Requests that joined the current sync before its start was confirmed (see `joinsRunningInitial`). */
  private joiners: number[] = [];
  /** Update callers waiting for their sync to start, by queue entry id. */
  private readonly started = new Map<number, SyncHandle>();
  private readonly refused = new Map<number, string>();

  private phase: Phase = 'start';
  private agenda: Step[] = [];
  /** What the current wait is for: a reconnect only (needs_reauth), or work (the debounce deadline it saw). */
  private waiting: { kind: 'reauth' } | { kind: 'work'; webhookDue: number | null } = { kind: 'reauth' };

  constructor(input: ConnectionMachineInput) {
    this.userId = input.userId;
    this.platform = input.platform;
    this.accountId = input.accountId;
    this.options = input.options;
    this.env = input.env;
    this.carried = input.state !== undefined;
    this.state = input.state ?? initialConnectionState();
  }

  // ── Events from signals, updates and queries ──────────────────────────────────────────────────────────────

  /** The update validator: throws (refusing the update before it enters history) when no sync can run. */
  validateSyncRequest(mode: string): void {
    if (this.disconnected || this.state.status === 'disconnected')
      throw new Error('connection is disconnected');
    if (this.state.status === 'needs_reauth')
      throw new Error('connection needs re-authorization: reconnect first');
    // Any call now would meet the same cap: say when it lifts instead of spending a sync on it.
    if (this.paused()) throw new Error(usageCapMessage(this.platform, this.state.pausedUntil!));
    if (!(REQUESTABLE_SYNC_MODES as readonly string[]).includes(mode))
      throw new Error(`unknown sync mode ${mode}`);
  }

  /**
   * Whether a request for the first sync joins a first sync that is already running (set by the workflow from
   * LOCAL_BOOKKEEPING_PATCH). A new connection's workflow queues its first sync on its own and, with local
   * bookkeeping, starts it within its first task, before `connect()`'s request arrives: that request is for the same
   * sync, not a second full one. Runs begun before the patch queued the request (the sync had not started yet).
   */
  joinsRunningInitial = false;

  /** A sync asked for by update: returns the queue entry whose `outcome` the caller waits for. */
  requestSync(mode: RequestedSyncMode): number {
    const resolved = this.resolveMode(mode);
    // A sync a reconnect superseded is being cancelled: the request queues a fresh one instead.
    if (
      this.joinsRunningInitial &&
      resolved === 'initial' &&
      this.current?.mode === 'initial' &&
      !this.superseded
    ) {
      const id = this.state.nextRequestId++;
      // Being started (the child's start not yet confirmed): answered with it, or refused with it.
      if (this.running) this.started.set(id, this.running);
      else this.joiners.push(id);
      return id;
    }
    return this.enqueue(resolved).id;
  }

  /** The started handle or the refusal of a requested sync; undefined while it waits in the queue. */
  outcome(requestId: number): SyncRequestOutcome | undefined {
    const handle = this.started.get(requestId);
    if (handle) return { handle };
    const refused = this.refused.get(requestId);
    return refused === undefined ? undefined : { refused };
  }

  /** Fire-and-forget request (the schedule's tick): dropped while disconnected or waiting for a reconnect. */
  syncRequested(mode: RequestedSyncMode): void {
    if (this.disconnected || this.state.status === 'needs_reauth' || this.paused()) return;
    this.enqueue(this.resolveMode(mode));
  }

  webhookEvents(events: readonly WebhookEvent[]): void {
    if (this.disconnected) return;
    const now = this.env.now();
    const state = this.state;
    for (const event of events) {
      if (state.seenEventIds.includes(event.eventId)) continue;
      state.seenEventIds.push(event.eventId);
      if (event.type === 'authorization_revoked') {
        this.revoked = `authorization removed on ${this.platform} (${event.name})`;
        continue;
      }
      if (event.type === 'other') continue;
      if (event.type === 'item_deleted' && event.itemKind && event.itemId) {
        // An id no document can have would fail the sync that marks it, and every sync after it.
        if (isValidDocumentId(event.itemId)) state.deletions.push({ kind: event.itemKind, id: event.itemId });
        else state.droppedDeletions = (state.droppedDeletions ?? 0) + 1;
      }
      state.webhook = state.webhook
        ? { count: state.webhook.count + 1, firstAt: state.webhook.firstAt, lastAt: now }
        : { count: 1, firstAt: now, lastAt: now };
    }
    if (state.seenEventIds.length > SEEN_EVENT_IDS_KEPT)
      state.seenEventIds.splice(0, state.seenEventIds.length - SEEN_EVENT_IDS_KEPT);
  }

  reconnected(accountId: string): void {
    this.accountId = accountId;
    this.reconnectedFlag = true;
    // Leave needs_reauth at once, so the sync request that follows the reconnect passes the update validator.
    // A usage cap is the app's, not the account's: a reconnect does not lift it.
    if (this.state.status === 'needs_reauth' || (this.state.status === 'error' && !this.paused())) {
      this.reactivate = true;
      this.state.status = this.state.initialDone ? 'active' : 'connecting';
      this.state.error = null;
    }
  }

  /** True while a started sync runs (the workflow can cancel it). */
  syncRunning(): boolean {
    return this.running !== null;
  }

  /**
   * A reconnect arrived while a sync runs: that sync began with the tokens the user has just replaced (and may be
   * retrying for want of valid ones, for minutes), and the sync the reconnect requests would wait for all of it.
   * The workflow cancels it; its end — cancelled, or a failure that was on its way, even a reauth one — then says
   * nothing about the fresh tokens: no needs_reauth, no error status, no refused requests. The requested sync
   * starts next, with the fresh tokens.
   */
  supersedeRunningSync(): void {
    if (this.running !== null) this.superseded = true;
  }

  /** Stop: the workflow also cancels a running sync. */
  disconnect(): void {
    this.disconnected = true;
  }

  /** The wake-up condition of the current `wait` decision. */
  woken(): boolean {
    if (this.disconnected || this.reconnectedFlag) return true;
    if (this.waiting.kind === 'reauth') return false;
    // A webhook event moves the debounce deadline: wake up to wait for the new one instead of the old timeout.
    return (
      this.revoked !== null ||
      this.runnable() !== undefined ||
      this.webhookDueAt() !== this.waiting.webhookDue
    );
  }

  query(): ConnectionQueryResult {
    const state = this.state;
    return {
      userId: this.userId,
      platform: this.platform,
      accountId: this.accountId,
      status: state.status,
      error: state.error,
      running: this.running,
      queued: state.queue.map((q) => q.mode),
      lastSync: state.lastSync,
      lastSyncMode: state.lastSyncMode,
      recentSyncs: state.recentSyncs,
      pendingWebhookEvents: state.webhook?.count ?? 0,
      seenEventCount: state.seenEventIds.length,
      pendingBackfill: Object.keys(state.resume) as ItemKind[],
      budgetRemaining: state.budget ? remaining(state.budget, this.env.now()) : {},
      tokenExpiresAt: state.tokenExpiresAt,
      syncCount: state.syncCount,
      droppedDeletions: state.droppedDeletions ?? 0,
      pausedUntil: this.paused() ? new Date(state.pausedUntil!).toISOString() : null,
    };
  }

  // ── Results of the decisions ──────────────────────────────────────────────────────────────────────────────

  limitsLoaded(limits: { rateLimits: readonly RateWindow[]; refreshMarginMs: number }): void {
    this.refreshMarginMs = this.options.refreshMarginMs ?? limits.refreshMarginMs;
    this.state.budget = this.state.budget
      ? withWindows(this.state.budget, limits.rateLimits)
      : emptyBudget(limits.rateLimits);
  }

  tokenExpiryLoaded(expiresAt: number | null): void {
    this.state.tokenExpiresAt = expiresAt;
    this.nextRefreshAt = expiresAt === null ? null : expiresAt - this.refreshMarginMs;
  }

  tokenRefreshed(expiresAt: number | null): void {
    this.state.tokenExpiresAt = expiresAt;
    const due = expiresAt === null ? null : expiresAt - this.refreshMarginMs;
    this.nextRefreshAt = due === null ? null : Math.max(due, this.env.now() + MIN_REFRESH_RETRY_MS);
  }

  /** `reauth`: the platform refused the refresh token. Otherwise the platform is down: try again later. */
  tokenRefreshFailed({ reauth }: { reauth: boolean }): void {
    if (reauth) this.first(...this.needsReauth('token refresh refused: the user must reconnect'));
    else this.nextRefreshAt = this.env.now() + MIN_REFRESH_RETRY_MS; // syncs refresh on their own meanwhile
  }

  syncStarted(handle: SyncHandle): void {
    if (!this.current) throw new Error('syncStarted without a sync');
    this.running = handle;
    this.started.set(this.current.entry.id, handle);
    for (const id of this.joiners.splice(0)) this.started.set(id, handle);
  }

  syncSucceeded(result: SyncWorkflowResult): void {
    const { mode } = this.requireCurrent();
    this.superseded = false;
    const state = this.state;
    state.budget = result.budget;
    if (mode === 'initial' || mode === 'manual' || mode === 'backfill') state.resume = result.resume;
    // An incremental walk cut short never replaces a pending backfill point: that one covers the older part.
    else state.resume = { ...result.resume, ...state.resume };
    if (mode === 'initial' || mode === 'manual') state.initialDone = true;
    state.lastSync = new Date(this.env.now()).toISOString();
    state.lastSyncMode = mode;
    state.status = 'active';
    state.error = null;
    state.recentSyncs = [result.summary, ...state.recentSyncs].slice(0, RECENT_SYNCS_KEPT);
    // The first sync after a usage cap lifted clears the pause from the status as well.
    const wasPaused = state.pausedUntil != null;
    state.pausedUntil = null;
    this.first(
      () => ({
        type: 'setStatus',
        status: 'active',
        error: null,
        patch: STATUS_WRITER_PATCH,
        ...(wasPaused ? { pausedUntil: null } : {}),
      }),
      () => (result.tokenRefreshed ? { type: 'loadTokenExpiry' } : undefined),
      () => {
        if (Object.keys(state.resume).length > 0 && state.budget) {
          // Finish later: a continuation once the budget has room for at least a page.
          const wait = waitMsFor(state.budget, this.env.now(), 1);
          if (Number.isFinite(wait)) this.enqueue('backfill', this.env.now() + wait);
        }
        return this.syncDone();
      },
    );
  }

  /**
   * The sync failed (or could not start). `details` are those of a `SyncFailed` failure, `message` describes any
   * failure, `cancelled` says the sync was cancelled (by a disconnect).
   */
  syncFailed({
    cancelled,
    details,
    message,
  }: {
    cancelled: boolean;
    details?: SyncFailureDetails;
    message: string;
  }): void {
    const { entry, mode, deletions, startedAt } = this.requireCurrent();
    const superseded = this.superseded;
    this.superseded = false;
    const started = this.started.has(entry.id);
    if (!started) for (const id of [entry.id, ...this.joiners.splice(0)]) this.refused.set(id, message);
    if (this.disconnected && cancelled) {
      this.first(() => this.syncDone());
      return;
    }
    this.carryBack(deletions);
    if (details) this.state.budget = details.budget;
    if (superseded) {
      // Ended by (or despite) a reconnect: whatever it met, the replaced tokens met it. The status stays as the
      // reconnect left it and the requested sync runs next.
      this.first(() => this.syncDone());
      return;
    }
    const failedSync = started
      ? { mode, startedAt, failedAt: new Date(this.env.now()).toISOString() }
      : undefined;
    if (details?.reason === 'needs_reauth') {
      this.first(...this.needsReauth(details.error, failedSync), () => this.syncDone());
    } else if (details?.reason === 'usage_capped' && details.pausedUntil) {
      this.first(...this.usageCapped(Date.parse(details.pausedUntil), failedSync), () => this.syncDone());
    } else {
      // The platform is down or answered oddly: cached data stays, the status says why; the next sync retries.
      this.first(this.statusStep('error', details?.error ?? message, failedSync), () => this.syncDone());
    }
  }

  // ── Decisions ─────────────────────────────────────────────────────────────────────────────────────────────

  /** The next thing to do. Call it again once that is done (and its result fed back). */
  next(): ConnectionDecision {
    for (;;) {
      const step = this.agenda.shift();
      const decision = step ? step() : this.advance();
      if (decision) return decision;
    }
  }

  /** Moves the loop on by one phase; returns a decision when the phase has one. */
  private advance(): ConnectionDecision | undefined {
    const state = this.state;
    switch (this.phase) {
      case 'start':
        this.phase = 'top';
        this.then(
          () => ({ type: 'loadLimits' }),
          () => ({ type: 'loadTokenExpiry' }),
          () => {
            if (!this.carried) this.enqueue('initial');
            return undefined;
          },
        );
        return undefined;
      case 'top':
        this.phase = this.disconnected ? 'end' : 'wait';
        return undefined;
      case 'wait':
        this.phase = 'woken';
        return this.waitDecision();
      case 'woken':
        this.phase = this.disconnected ? 'end' : 'reconnect';
        return undefined;
      case 'reconnect':
        this.phase = 'revoke';
        if (this.reconnectedFlag) {
          this.reconnectedFlag = false;
          this.revoked = null;
          if (this.reactivate) {
            this.reactivate = false;
            const accountId = this.accountId;
            this.then(
              () => ({ type: 'setStatus', status: 'syncing', error: null, accountId }),
              () => ({ type: 'unpauseSchedule', note: 'reconnected' }),
            );
          }
          this.then(() => ({ type: 'loadTokenExpiry' }));
        }
        return undefined;
      case 'revoke':
        this.phase = 'work';
        if (this.revoked !== null) {
          const reason = this.revoked;
          this.revoked = null;
          this.then(...this.needsReauth(reason));
        }
        return undefined;
      case 'work':
        this.phase = 'housekeeping';
        if (state.status === 'needs_reauth') {
          // Webhook events and schedule ticks that arrive meanwhile are dropped: a reconnect syncs anyway.
          state.webhook = null;
          state.queue = [];
          return undefined;
        }
        // Paused by a usage cap: events are covered by the sync queued for when it lifts (deletions stay queued).
        if (this.paused()) state.webhook = null;
        this.then(
          () => {
            const due = this.nextRefreshAt;
            if (due === null || due > this.env.now()) return undefined;
            // The refresh is planned for the expiry we know: if someone else refreshed meanwhile, it is skipped.
            return {
              type: 'refreshToken',
              knownExpiresAt: state.tokenExpiresAt,
              marginMs: this.refreshMarginMs,
            };
          },
          () => {
            const due = this.webhookDueAt();
            if (due !== null && due <= this.env.now()) this.enqueue(this.resolveMode('webhook'));
            const next = this.runnable(); // empty once a refresh found the token dead
            return next ? this.beginSync(next) : undefined;
          },
        );
        return undefined;
      case 'housekeeping': {
        this.phase = 'top';
        if (state.budget) state.budget = prune(state.budget, this.env.now());
        const history = this.env.history();
        if (
          (history.continueAsNewSuggested || history.length > this.options.maxHistoryLength) &&
          this.readyToContinue()
        ) {
          // The queue (e.g. a backfill waiting for the budget window), budget, dedupe ids and resume points are all
          // in the state, so the new run picks up exactly where this one stopped.
          this.phase = 'done';
          return { type: 'continueAsNew', accountId: this.accountId, state };
        }
        return undefined;
      }
      case 'end':
        this.phase = 'done';
        this.refuseQueued('connection disconnected');
        state.status = 'disconnected';
        return { type: 'setStatus', status: 'disconnected', error: null };
      case 'done':
        return { type: 'finish' };
    }
  }

  private waitDecision(): ConnectionDecision | undefined {
    if (this.state.status === 'needs_reauth') {
      // Nothing to do until the user reconnects (or disconnects).
      this.waiting = { kind: 'reauth' };
      return { type: 'wait', until: null };
    }
    if (this.paused()) {
      // Only the cap's reset (or a token refresh) can make work: queued syncs wait for it.
      this.waiting = { kind: 'work', webhookDue: this.webhookDueAt() };
      const wakeups = [this.state.pausedUntil!, this.nextRefreshAt].filter((t): t is number => t !== null);
      const until = Math.min(...wakeups);
      return until > this.env.now() ? { type: 'wait', until } : undefined;
    }
    const webhookDue = this.webhookDueAt();
    this.waiting = { kind: 'work', webhookDue };
    const wakeups = [
      webhookDue,
      this.nextRefreshAt,
      ...this.state.queue.map((q) => q.notBefore ?? null),
    ].filter((t): t is number => t !== null);
    if (wakeups.length === 0) return { type: 'wait', until: null };
    const until = Math.min(...wakeups);
    // Something is due already: no wait at all.
    return until > this.env.now() ? { type: 'wait', until } : undefined;
  }

  /** Takes the entry off the queue and returns the `syncing` write; the start follows it. */
  private beginSync(entry: QueuedSync): ConnectionDecision {
    const state = this.state;
    state.queue = state.queue.filter((q) => q !== entry);
    state.syncCount += 1;
    const n = state.syncCount;
    const mode = entry.mode;
    const deletions = state.deletions;
    state.deletions = [];
    if (INCREMENTAL_MODES.includes(mode) || mode === 'manual' || mode === 'initial') state.webhook = null;
    if (state.status !== 'active') state.status = 'syncing';
    this.current = { entry, mode, deletions, startedAt: new Date(this.env.now()).toISOString() };
    this.first(() => {
      if (this.disconnected) {
        // Disconnected while the status was written: the sync never starts.
        for (const id of [entry.id, ...this.joiners.splice(0)])
          this.refused.set(id, 'connection disconnected');
        return this.syncDone();
      }
      return {
        type: 'startSync',
        sync: {
          mode,
          n,
          budget: state.budget!,
          resume: mode === 'backfill' ? state.resume : undefined,
          deletions: deletions.map(({ kind, id }) => ({ kind, id })),
        },
      };
    });
    // The connection is the one writer of `status`; the error of an earlier failure stays until a sync succeeds.
    return { type: 'setStatus', status: 'syncing', error: state.error, patch: STATUS_WRITER_PATCH };
  }

  private syncDone(): undefined {
    this.running = null;
    this.current = null;
    return undefined;
  }

  private requireCurrent(): RunningSync {
    if (!this.current) throw new Error('no sync is running');
    return this.current;
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Steps that run after the ones already planned for this turn. */
  private then(...steps: Step[]): void {
    this.agenda.push(...steps);
  }

  /** Steps that run before anything else planned (the consequences of a result). */
  private first(...steps: Step[]): void {
    this.agenda.unshift(...steps);
  }

  private statusStep(
    status: ConnectionStatusName,
    error: string | null,
    failedSync?: StatusWrite['failedSync'],
  ): Step {
    return () => {
      this.state.status = status;
      this.state.error = error;
      return { type: 'setStatus', status, error, ...(failedSync ? { failedSync } : {}) };
    };
  }

  /** Refuses what is queued, pauses the schedule, then says needs_reauth. */
  private needsReauth(reason: string, failedSync?: StatusWrite['failedSync']): Step[] {
    return [
      () => {
        this.refuseQueued(`needs re-authorization: ${reason}`);
        this.state.webhook = null;
        // Schedule first: once the status says needs_reauth, no scheduled sync is pending any more.
        return { type: 'pauseSchedule', note: `needs_reauth: ${reason}` };
      },
      this.statusStep('needs_reauth', reason, failedSync),
    ];
  }

  /** True while a usage cap pauses the platform's syncs. */
  private paused(): boolean {
    const until = this.state.pausedUntil;
    return until != null && until > this.env.now();
  }

  /**
   * The platform's usage cap is used up until `until`: what is queued is refused with the reason, one incremental
   * sync is queued for the moment it lifts, and the status says `error` with the reset instant.
   */
  private usageCapped(until: number, failedSync?: StatusWrite['failedSync']): Step[] {
    return [
      () => {
        const message = usageCapMessage(this.platform, until);
        this.state.pausedUntil = until;
        this.refuseQueued(message);
        this.state.webhook = null;
        this.enqueue(this.resolveMode('incremental'), until);
        this.state.status = 'error';
        this.state.error = message;
        return {
          type: 'setStatus',
          status: 'error',
          error: message,
          pausedUntil: new Date(until).toISOString(),
          ...(failedSync ? { failedSync } : {}),
        };
      },
    ];
  }

  /** Chooses the mode a request really runs in: nothing is incremental before the first backfill completed. */
  private resolveMode(mode: RequestedSyncMode | 'webhook'): SyncMode {
    if (!this.state.initialDone && mode !== 'manual' && mode !== 'backfill') return 'initial';
    if (this.state.initialDone && mode === 'initial') return 'incremental';
    return mode;
  }

  /** Queues a sync unless an equivalent one is already waiting (requests coalesce; nothing runs twice at once). */
  private enqueue(mode: SyncMode, notBefore?: number): QueuedSync {
    const state = this.state;
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

  /** Deletions of a failed sync go back to the queue, each at most MAX_DELETION_SYNCS times in all. */
  private carryBack(deletions: readonly QueuedDeletion[]): void {
    const state = this.state;
    const again = deletions.map((d) => ({ ...d, failedSyncs: (d.failedSyncs ?? 0) + 1 }));
    const kept = again.filter((d) => d.failedSyncs < MAX_DELETION_SYNCS);
    if (kept.length < again.length)
      state.droppedDeletions = (state.droppedDeletions ?? 0) + again.length - kept.length;
    state.deletions = [...kept, ...state.deletions];
  }

  private refuseQueued(reason: string): void {
    for (const entry of this.state.queue) this.refused.set(entry.id, reason);
    this.state.queue = [];
  }

  private webhookDueAt(): number | null {
    const webhook = this.state.webhook;
    // Leading edge: due once nothing runs, i.e. when the loop next looks (a running sync finishes first).
    if (webhook && this.options.webhookLeadingEdge) return webhook.firstAt;
    return webhook
      ? Math.min(
          webhook.lastAt + this.options.webhookDebounceMs,
          webhook.firstAt + this.options.webhookMaxDelayMs,
        )
      : null;
  }

  private runnable(): QueuedSync | undefined {
    if (this.state.status === 'needs_reauth' || this.paused()) return undefined;
    const now = this.env.now();
    return this.state.queue.find((q) => q.notBefore === undefined || q.notBefore <= now);
  }

  /**
   * Safe to continue-as-new: no handler is running (an update caller waits in memory for its sync to start)
   * and nothing in the queue could run now (only continuations waiting for the budget window).
   */
  private readyToContinue(): boolean {
    const now = this.env.now();
    return (
      !this.disconnected &&
      !this.reconnectedFlag &&
      this.revoked === null &&
      this.env.handlersFinished() &&
      this.state.queue.every((q) => q.notBefore !== undefined && q.notBefore > now)
    );
  }
}
