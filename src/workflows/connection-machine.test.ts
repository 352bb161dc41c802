/**
 * The connection workflow's decisions, driven in milliseconds with a fake clock: the driver below plays the part of
 * connection.ts (answers the loads and writes, waits the way `condition(woken, until − now)` does) and stops at
 * the decisions a test wants to answer itself (a sync, a refresh, a wait nothing has ended yet).
 */
import type { WebhookEvent } from '../platforms/types';
import type { ItemKind } from '../domain';
import { charge, emptyBudget, type BudgetState } from './budget';
import {
  ConnectionMachine,
  DEFAULT_CONNECTION_OPTIONS,
  initialConnectionState,
  MAX_DELETION_SYNCS,
  MIN_REFRESH_RETRY_MS,
  RECENT_SYNCS_KEPT,
  SEEN_EVENT_IDS_KEPT,
  usageCapMessage,
  type ConnectionDecision,
  type ConnectionOptions,
  type ConnectionState,
  type SyncStart,
} from './connection-machine';
import { STATUS_WRITER_PATCH } from './patches';
import type { ResumePoint, SyncWorkflowResult } from './sync';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const WINDOWS = [{ bucket: '*', limit: 4, windowMs: 60_000 }];
const OPTIONS: ConnectionOptions = {
  ...DEFAULT_CONNECTION_OPTIONS,
  // Most webhook tests below are about the trailing debounce; the leading edge (the default) has its own block.
  webhookLeadingEdge: false,
  webhookDebounceMs: 1_500,
  webhookMaxDelayMs: 5_000,
  maxHistoryLength: 100,
};

type Stop = Extract<
  ConnectionDecision,
  { type: 'wait' | 'refreshToken' | 'startSync' | 'continueAsNew' | 'finish' }
>;

class Driver {
  now = T0;
  historyLength = 10;
  continueAsNewSuggested = false;
  handlersFinished = true;
  tokenExpiresAt: number | null = T0 + 24 * HOUR;
  /** Every decision carried out, in order. */
  readonly done: ConnectionDecision[] = [];
  readonly machine: ConnectionMachine;
  stop!: Stop;

  constructor({
    options = {},
    state,
  }: { options?: Partial<ConnectionOptions>; state?: ConnectionState } = {}) {
    this.machine = new ConnectionMachine({
      userId: 'u1',
      platform: 'tiktok',
      accountId: 'acct-1',
      options: { ...OPTIONS, ...options },
      state,
      env: {
        now: () => this.now,
        history: () => ({ length: this.historyLength, continueAsNewSuggested: this.continueAsNewSuggested }),
        handlersFinished: () => this.handlersFinished,
      },
    });
    this.run();
  }

  /** Carries out decisions until one the test must answer, or a wait that nothing has ended yet. */
  run(): Stop {
    for (;;) {
      const d = this.machine.next();
      this.done.push(d);
      switch (d.type) {
        case 'loadLimits':
          this.machine.limitsLoaded({ rateLimits: WINDOWS, refreshMarginMs: HOUR });
          break;
        case 'loadTokenExpiry':
          this.machine.tokenExpiryLoaded(this.tokenExpiresAt);
          break;
        case 'setStatus':
        case 'pauseSchedule':
        case 'unpauseSchedule':
          break;
        case 'wait':
          // `condition` returns at once when the predicate already holds, or when the timer is due.
          if (this.machine.woken() || (d.until !== null && d.until <= this.now)) break;
          return (this.stop = d);
        default:
          return (this.stop = d);
      }
    }
  }

  /** Moves the clock and, if the current wait ends by then, goes on. */
  advance(ms: number): Stop {
    this.now += ms;
    return this.stop.type === 'wait' ? this.run() : this.stop;
  }

  /** Time passes up to the instant the current wait names (its timer fires). */
  fireTimer(): Stop {
    if (this.stop.type !== 'wait' || this.stop.until === null) throw new Error(`no timer: ${this.stop.type}`);
    this.now = this.stop.until;
    return this.run();
  }

  /** After an event: the wait's predicate is checked again. */
  poke(): Stop {
    return this.stop.type === 'wait' ? this.run() : this.stop;
  }

  get sync(): SyncStart {
    if (this.stop.type !== 'startSync') throw new Error(`expected a sync to start, got ${this.stop.type}`);
    return this.stop.sync;
  }

  /** Starts the pending sync and finishes it with `result`. */
  finishSync(result: Partial<SyncWorkflowResult> = {}, runMs = 1_000): Stop {
    const sync = this.sync;
    this.machine.syncStarted({ workflowId: `sync-${sync.n}`, runId: `run-${sync.n}`, mode: sync.mode });
    this.now += runMs;
    this.machine.syncSucceeded(syncResult(sync, result));
    return this.run();
  }

  failSync(failure: Parameters<ConnectionMachine['syncFailed']>[0], { started = true } = {}): Stop {
    const sync = this.sync;
    if (started)
      this.machine.syncStarted({ workflowId: `sync-${sync.n}`, runId: `run-${sync.n}`, mode: sync.mode });
    this.machine.syncFailed(failure);
    return this.run();
  }

  /** Decisions carried out since `mark`. */
  since(mark: number): ConnectionDecision[] {
    return this.done.slice(mark);
  }

  get status() {
    return this.machine.query();
  }
}

function syncResult(sync: SyncStart, result: Partial<SyncWorkflowResult>): SyncWorkflowResult {
  return {
    summary: {
      workflowId: `sync-${sync.n}`,
      runId: `run-${sync.n}`,
      userId: 'u1',
      platform: 'tiktok',
      mode: sync.mode,
      itemsWritten: 0,
      itemsDeleted: 0,
      calls: 0,
      durationMs: 1_000,
      pending: 0,
    },
    budget: sync.budget,
    resume: {},
    tokenRefreshed: false,
    ...result,
  };
}

let eventSeq = 0;
function event(type: WebhookEvent['type'], extra: Partial<WebhookEvent> = {}): WebhookEvent {
  eventSeq += 1;
  return {
    platform: 'tiktok',
    eventId: `ev-${eventSeq}`,
    accountId: 'acct-1',
    type,
    name: type === 'authorization_revoked' ? 'authorization.removed' : 'video.publish.completed',
    occurredAt: new Date(T0).toISOString(),
    ...extra,
  };
}

/** A connection whose initial sync completed; the driver waits for the next thing to do. */
function connected(options: Partial<ConnectionOptions> = {}): Driver {
  const d = new Driver({ options });
  d.finishSync();
  return d;
}

const fullBudget = (now: number): BudgetState => charge(emptyBudget(WINDOWS), now, 4);

describe('start and mode resolution', () => {
  test('a new connection loads limits and expiry, says syncing, and starts the initial sync', () => {
    const d = new Driver();
    expect(d.done.map((x) => x.type)).toEqual([
      'loadLimits',
      'loadTokenExpiry',
      'wait',
      'setStatus',
      'startSync',
    ]);
    expect(d.done[3]).toEqual({
      type: 'setStatus',
      status: 'syncing',
      error: null,
      patch: STATUS_WRITER_PATCH,
    });
    expect(d.sync).toMatchObject({ mode: 'initial', n: 1, deletions: [], resume: undefined });
    expect(d.status).toMatchObject({ status: 'syncing', queued: [], syncCount: 1 });
  });

  test('after the sync: active (written by the connection), lastSync set, then it waits for the refresh timer', () => {
    const d = new Driver();
    const mark = d.done.length;
    d.finishSync({}, 2_000);
    expect(d.since(mark)).toEqual([
      { type: 'setStatus', status: 'active', error: null, patch: STATUS_WRITER_PATCH },
      { type: 'wait', until: T0 + 23 * HOUR },
    ]);
    expect(d.status).toMatchObject({
      status: 'active',
      lastSync: new Date(T0 + 2_000).toISOString(),
      lastSyncMode: 'initial',
      running: null,
    });
  });

  test('before the first full sync everything but manual and backfill runs as initial; requests coalesce', () => {
    const d = new Driver();
    const first = d.machine.requestSync('incremental');
    expect(d.machine.requestSync('scheduled')).toBe(first);
    expect(d.machine.requestSync('initial')).toBe(first);
    d.machine.requestSync('manual');
    expect(d.status.queued).toEqual(['initial', 'manual']);
  });

  test('after it, initial becomes incremental and the incremental family coalesces (a webhook sync too)', () => {
    const d = connected();
    const first = d.machine.requestSync('initial');
    expect(d.status.queued).toEqual(['incremental']);
    d.machine.syncRequested('scheduled');
    expect(d.machine.requestSync('incremental')).toBe(first);
    expect(d.status.queued).toEqual(['incremental']);
    d.machine.requestSync('manual');
    d.machine.requestSync('manual');
    expect(d.status.queued).toEqual(['incremental', 'manual']);
    d.poke();
    expect(d.sync.mode).toBe('incremental');
    expect(d.machine.outcome(first)).toBeUndefined(); // not started yet
  });

  test('an update caller learns the handle once its sync starts', () => {
    const d = connected();
    const id = d.machine.requestSync('manual');
    expect(d.machine.outcome(id)).toBeUndefined();
    d.poke();
    d.machine.syncStarted({ workflowId: 'w', runId: 'r', mode: 'manual' });
    expect(d.machine.outcome(id)).toEqual({ handle: { workflowId: 'w', runId: 'r', mode: 'manual' } });
  });

  test('the validator refuses unknown modes', () => {
    const d = connected();
    expect(() => d.machine.validateSyncRequest('hourly')).toThrow('unknown sync mode hourly');
    expect(() => d.machine.validateSyncRequest('manual')).not.toThrow();
  });
});

describe('webhooks, leading edge (the default)', () => {
  const leading = { webhookLeadingEdge: true };

  test('is the default, with a short trailing timing for runs that turn it off', () => {
    expect(DEFAULT_CONNECTION_OPTIONS.webhookLeadingEdge).toBe(true);
    expect(DEFAULT_CONNECTION_OPTIONS.webhookMaxDelayMs).toBeLessThanOrEqual(2_000);
  });

  test('an idle connection starts its webhook sync at once', () => {
    const d = connected(leading);
    const start = d.now;
    d.machine.webhookEvents([event('item_changed')]);
    d.poke();
    expect(d.sync.mode).toBe('webhook');
    expect(d.now).toBe(start);
  });

  test('events during a sync coalesce into ONE follow-up that starts when it ends', () => {
    const d = connected(leading);
    d.machine.webhookEvents([event('item_changed')]);
    d.poke();
    const first = d.sync;
    d.machine.syncStarted({ workflowId: `sync-${first.n}`, runId: `run-${first.n}`, mode: first.mode });
    // A burst of 100 events while the first webhook sync runs.
    for (let i = 0; i < 100; i++) d.machine.webhookEvents([event('item_changed')]);
    expect(d.status.pendingWebhookEvents).toBe(100);
    d.now += 800;
    d.machine.syncSucceeded(syncResult(first, {}));
    d.run();
    const followUp = d.sync;
    expect(followUp.mode).toBe('webhook');
    expect(followUp.n).toBe(first.n + 1);
    expect(d.status.pendingWebhookEvents).toBe(0);
    // …and nothing after it: the burst cost two syncs.
    d.finishSync();
    expect(d.stop.type).toBe('wait');
    expect(d.status.syncCount).toBe(followUp.n);
  });

  test('a deletion rides on the leading sync', () => {
    const d = connected(leading);
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v9' })]);
    d.poke();
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v9' }]);
  });
});

describe('webhooks', () => {
  test('debounce: the sync starts webhookDebounceMs after the last event', () => {
    const d = connected();
    const start = d.now;
    d.machine.webhookEvents([event('item_changed')]);
    expect(d.poke()).toEqual({ type: 'wait', until: start + 1_500 });
    d.advance(1_000);
    d.machine.webhookEvents([event('item_changed')]);
    // The new event moved the deadline: the wait wakes up and waits for the new one.
    expect(d.poke()).toEqual({ type: 'wait', until: start + 2_500 });
    expect(d.status.pendingWebhookEvents).toBe(2);
    d.fireTimer();
    expect(d.now).toBe(start + 2_500);
    expect(d.sync.mode).toBe('webhook');
    expect(d.status.pendingWebhookEvents).toBe(0);
  });

  test('a steady stream postpones the sync no longer than webhookMaxDelayMs after the first event', () => {
    const d = connected();
    const start = d.now;
    for (let i = 0; i < 10 && d.stop.type === 'wait'; i++) {
      d.machine.webhookEvents([event('item_changed')]);
      d.poke();
      d.advance(1_000);
    }
    expect(d.sync.mode).toBe('webhook');
    expect(d.now).toBe(start + 5_000);
  });

  test('before the initial sync completed, a webhook sync runs as initial', () => {
    const d = new Driver();
    d.machine.webhookEvents([event('item_changed')]);
    d.failSync({ cancelled: false, message: 'boom' });
    d.fireTimer();
    expect(d.sync.mode).toBe('initial');
  });

  test('dedupe by eventId: a redelivery counts once; other events are remembered but sync nothing', () => {
    const d = connected();
    const e = event('item_changed');
    d.machine.webhookEvents([e, e]);
    d.machine.webhookEvents([e, event('other')]);
    expect(d.status).toMatchObject({ pendingWebhookEvents: 1, seenEventCount: 2 });
  });

  test(`dedupe keeps the last ${SEEN_EVENT_IDS_KEPT} ids: the oldest is forgotten`, () => {
    const d = connected();
    const first = event('other');
    d.machine.webhookEvents([first]);
    d.machine.webhookEvents(Array.from({ length: SEEN_EVENT_IDS_KEPT }, () => event('other')));
    expect(d.status.seenEventCount).toBe(SEEN_EVENT_IDS_KEPT);
    d.machine.webhookEvents([{ ...first, type: 'item_changed' }]);
    expect(d.status).toMatchObject({ pendingWebhookEvents: 1, seenEventCount: SEEN_EVENT_IDS_KEPT });
  });

  test('deletions go to the next sync, and back to the queue when that sync fails', () => {
    const d = connected();
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v1' })]);
    d.poke();
    d.fireTimer();
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v1' }]);
    d.failSync({ cancelled: false, message: 'PlatformTransient: 503' });
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v2' })]);
    d.poke();
    d.fireTimer();
    expect(d.sync.deletions).toEqual([
      { kind: 'videos', id: 'v1' },
      { kind: 'videos', id: 'v2' },
    ]);
  });

  test('finding 2: a deletion is carried by at most MAX_DELETION_SYNCS failed syncs, then dropped and counted', () => {
    const d = connected();
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v1' })]);
    d.poke();
    d.fireTimer();
    for (let failed = 1; failed < MAX_DELETION_SYNCS; failed++) {
      expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v1' }]);
      d.failSync({ cancelled: false, message: 'PlatformPermanent: item id' });
      expect(d.status.droppedDeletions).toBe(0);
      d.machine.webhookEvents([event('item_changed')]);
      d.poke();
      d.fireTimer();
    }
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v1' }]);
    d.failSync({ cancelled: false, message: 'PlatformPermanent: item id' });
    expect(d.status.droppedDeletions).toBe(1);
    // The next sync carries it no more, and a deletion announced since rides alone.
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v2' })]);
    d.poke();
    d.fireTimer();
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v2' }]);
    d.finishSync();
    expect(d.status).toMatchObject({ status: 'active', droppedDeletions: 1 });
  });

  test('finding 2: a deleted item id no document can have never reaches a sync; the event still counts', () => {
    const d = connected();
    const invalid = ['a/b', '..', '__reserved__', '', 'x'.repeat(1_501), 'é'.repeat(751)];
    d.machine.webhookEvents([
      ...invalid.map((itemId) => event('item_deleted', { itemKind: 'videos', itemId })),
      event('item_deleted', { itemKind: 'videos', itemId: 'v3' }),
    ]);
    // The empty id is not a deletion at all (no id); the other five are dropped as invalid.
    expect(d.status).toMatchObject({ droppedDeletions: 5, pendingWebhookEvents: invalid.length + 1 });
    d.poke();
    d.fireTimer();
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v3' }]);
  });

  test('finding 2: state carried from a run without the counter reads as none dropped', () => {
    // A run from before the counter carried this state over continue-as-new: no `droppedDeletions` in it.
    const state: ConnectionState = { ...initialConnectionState(), deletions: [{ kind: 'videos', id: 'v1' }] };
    expect('droppedDeletions' in state).toBe(false);
    const d = new Driver({ state: { ...state, initialDone: true, queue: [{ id: 9, mode: 'manual' }] } });
    expect(d.sync.deletions).toEqual([{ kind: 'videos', id: 'v1' }]);
    expect(d.status.droppedDeletions).toBe(0);
  });
});

describe('failures and needs_reauth', () => {
  const budget = emptyBudget(WINDOWS);

  test('a failed sync: status error with the reason and the failed sync, the budget it spent kept', () => {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    const spent = charge(budget, d.now, 2);
    const mark = d.done.length;
    d.failSync({
      cancelled: false,
      message: 'x',
      details: { reason: 'error', error: 'PlatformTransient: 503', budget: spent, calls: 2 },
    });
    expect(d.since(mark)[0]).toEqual({
      type: 'setStatus',
      status: 'error',
      error: 'PlatformTransient: 503',
      failedSync: {
        mode: 'manual',
        startedAt: new Date(d.now).toISOString(),
        failedAt: new Date(d.now).toISOString(),
      },
    });
    expect(d.status).toMatchObject({
      status: 'error',
      error: 'PlatformTransient: 503',
      budgetRemaining: { '*': 2 },
    });
    // The next sync says syncing but keeps the error until it succeeds.
    d.machine.requestSync('manual');
    d.poke();
    expect(d.done.at(-2)).toEqual({
      type: 'setStatus',
      status: 'syncing',
      error: 'PlatformTransient: 503',
      patch: STATUS_WRITER_PATCH,
    });
  });

  test('a sync that could not start refuses its caller with the reason, and reports no failed sync', () => {
    const d = connected();
    const id = d.machine.requestSync('manual');
    d.poke();
    const mark = d.done.length;
    d.failSync({ cancelled: false, message: 'already started' }, { started: false });
    expect(d.machine.outcome(id)).toEqual({ refused: 'already started' });
    expect(d.since(mark)[0]).toEqual({ type: 'setStatus', status: 'error', error: 'already started' });
  });

  test('needs_reauth: queued requests refused, schedule paused BEFORE the status, then only a reconnect wakes it', () => {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    const queued = d.machine.requestSync('backfill');
    const mark = d.done.length;
    d.failSync({
      cancelled: false,
      message: 'x',
      details: { reason: 'needs_reauth', error: 'ReauthRequired: revoked', budget, calls: 1 },
    });
    const after = d.since(mark);
    expect(after.map((x) => x.type)).toEqual(['pauseSchedule', 'setStatus', 'wait']);
    expect(after[0]).toEqual({ type: 'pauseSchedule', note: 'needs_reauth: ReauthRequired: revoked' });
    expect(after[1]).toMatchObject({
      status: 'needs_reauth',
      error: 'ReauthRequired: revoked',
      failedSync: { mode: 'manual' },
    });
    expect(after[2]).toEqual({ type: 'wait', until: null });
    expect(d.machine.outcome(queued)).toEqual({ refused: 'needs re-authorization: ReauthRequired: revoked' });

    expect(() => d.machine.validateSyncRequest('manual')).toThrow(
      'connection needs re-authorization: reconnect first',
    );
    d.machine.syncRequested('scheduled');
    d.machine.webhookEvents([event('item_changed')]);
    d.advance(10 * 24 * HOUR); // past the refresh instant too: nothing happens
    expect(d.stop).toEqual({ type: 'wait', until: null });
    expect(d.status.queued).toEqual([]);

    // The reconnect: active again at once (the validator lets the next request in), then the store and schedule.
    d.machine.reconnected('acct-2');
    expect(d.status).toMatchObject({ status: 'active', error: null, accountId: 'acct-2' });
    const back = d.done.length;
    d.poke();
    expect(d.since(back).slice(0, 3)).toEqual([
      { type: 'setStatus', status: 'syncing', error: null, accountId: 'acct-2' },
      { type: 'unpauseSchedule', note: 'reconnected' },
      { type: 'loadTokenExpiry' },
    ]);
  });

  test('a revoked-consent webhook moves to needs_reauth at once', () => {
    const d = connected();
    const mark = d.done.length;
    d.machine.webhookEvents([event('authorization_revoked')]);
    d.poke();
    expect(d.since(mark).slice(0, 2)).toEqual([
      {
        type: 'pauseSchedule',
        note: 'needs_reauth: authorization removed on tiktok (authorization.removed)',
      },
      {
        type: 'setStatus',
        status: 'needs_reauth',
        error: 'authorization removed on tiktok (authorization.removed)',
      },
    ]);
    expect(d.status.pendingWebhookEvents).toBe(0);
  });

  test('a reconnect of a connection that never failed only reloads the token expiry', () => {
    const d = connected();
    const mark = d.done.length;
    d.machine.reconnected('acct-1');
    d.poke();
    expect(d.since(mark).map((x) => x.type)).toEqual(['loadTokenExpiry', 'wait']);
  });
});

describe("connect()'s request for the first sync, arriving after it started (LOCAL_BOOKKEEPING_PATCH)", () => {
  /** A new connection's driver whose own first sync has started (local bookkeeping gets there in one task). */
  function firstSyncRunning(joins: boolean): { d: Driver; first: SyncStart } {
    const d = new Driver();
    d.machine.joinsRunningInitial = joins;
    const first = d.sync;
    expect(first.mode).toBe('initial');
    d.machine.syncStarted({ workflowId: `sync-${first.n}`, runId: `run-${first.n}`, mode: 'initial' });
    return { d, first };
  }

  /** Ends the running sync (started by hand above) and carries on. */
  function succeed(d: Driver, sync: SyncStart): Stop {
    d.now += 1_000;
    d.machine.syncSucceeded(syncResult(sync, {}));
    return d.run();
  }

  test('joins the running first sync: the caller gets its handle at once and no second full sync runs', () => {
    const { d, first } = firstSyncRunning(true);
    const id = d.machine.requestSync('initial');
    expect(d.machine.outcome(id)).toEqual({
      handle: { workflowId: `sync-${first.n}`, runId: `run-${first.n}`, mode: 'initial' },
    });
    expect(succeed(d, first).type).toBe('wait');
    expect(d.status).toMatchObject({ status: 'active', syncCount: 1, running: null });
  });

  test("a request handled before the child's start is confirmed gets the handle once it is", () => {
    const d = new Driver();
    d.machine.joinsRunningInitial = true;
    const first = d.sync; // decided; connection.ts is starting the child
    const id = d.machine.requestSync('initial');
    expect(d.machine.outcome(id)).toBeUndefined();
    d.machine.syncStarted({ workflowId: `sync-${first.n}`, runId: `run-${first.n}`, mode: 'initial' });
    expect(d.machine.outcome(id)).toEqual({
      handle: { workflowId: `sync-${first.n}`, runId: `run-${first.n}`, mode: 'initial' },
    });
    expect(succeed(d, first).type).toBe('wait');
    expect(d.status.syncCount).toBe(1);
  });

  test('runs begun before the patch queue it, as they always did', () => {
    const { d, first } = firstSyncRunning(false);
    const id = d.machine.requestSync('initial');
    expect(d.machine.outcome(id)).toBeUndefined();
    succeed(d, first);
    expect(d.sync.mode).toBe('initial');
  });

  test('a manual request still queues a sync of its own; a first sync a reconnect superseded is not joined', () => {
    const manual = firstSyncRunning(true);
    expect(manual.d.machine.outcome(manual.d.machine.requestSync('manual'))).toBeUndefined();
    const { d } = firstSyncRunning(true);
    d.machine.reconnected('acct-1');
    d.machine.supersedeRunningSync();
    expect(d.machine.outcome(d.machine.requestSync('initial'))).toBeUndefined();
  });
});

describe('reconnect while a sync runs (the workflow cancels the superseded sync)', () => {
  const budget = emptyBudget(WINDOWS);

  /** A connected driver whose manual sync has started; the test ends it. */
  function running(): { d: Driver; stale: SyncStart } {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    const stale = d.sync;
    d.machine.syncStarted({ workflowId: `sync-${stale.n}`, runId: `run-${stale.n}`, mode: stale.mode });
    return { d, stale };
  }

  /** What connection.ts does with the reconnect signal, then the request of `connect()`. */
  function reconnectAndRequest(d: Driver): number {
    d.machine.reconnected('acct-1');
    expect(d.machine.syncRunning()).toBe(true);
    d.machine.supersedeRunningSync();
    return d.machine.requestSync('initial');
  }

  test('its cancellation writes no status; the requested sync starts next and its caller gets the handle', () => {
    const { d, stale } = running();
    const id = reconnectAndRequest(d);
    expect(d.machine.outcome(id)).toBeUndefined();
    const mark = d.done.length;
    d.machine.syncFailed({ cancelled: true, message: 'Workflow cancelled' });
    d.run();
    expect(d.since(mark).filter((x) => x.type === 'setStatus')).toEqual([
      { type: 'setStatus', status: 'syncing', error: null, patch: STATUS_WRITER_PATCH },
    ]);
    expect(d.since(mark).map((x) => x.type)).toContain('loadTokenExpiry');
    expect(d.sync).toMatchObject({ mode: 'incremental', n: stale.n + 1 });
    d.finishSync();
    expect(d.machine.outcome(id)).toEqual({
      handle: { workflowId: `sync-${stale.n + 1}`, runId: `run-${stale.n + 1}`, mode: 'incremental' },
    });
    expect(d.status).toMatchObject({ status: 'active', error: null, running: null });
  });

  test('a reauth failure that was on its way (the replaced tokens) neither needs reauth nor refuses the request', () => {
    const { d } = running();
    const id = reconnectAndRequest(d);
    const mark = d.done.length;
    d.machine.syncFailed({
      cancelled: false,
      message: 'x',
      details: { reason: 'needs_reauth', error: 'ReauthRequired: token revoked', budget, calls: 2 },
    });
    d.run();
    const after = d.since(mark);
    expect(after.map((x) => x.type)).not.toContain('pauseSchedule');
    expect(after.filter((x) => x.type === 'setStatus').map((x) => 'status' in x && x.status)).toEqual([
      'syncing',
    ]);
    expect(d.machine.outcome(id)).toBeUndefined(); // waits for its sync, not refused
    d.finishSync();
    expect(d.machine.outcome(id)).toMatchObject({ handle: { mode: 'incremental' } });
    expect(d.status.status).toBe('active');
  });

  test('a superseded sync that succeeds anyway counts as usual; the next failure is judged normally again', () => {
    const { d } = running();
    const id = reconnectAndRequest(d);
    d.now += 1_000;
    d.machine.syncSucceeded(syncResult({ mode: 'manual', n: 2, budget, deletions: [] }, {}));
    d.run();
    expect(d.status).toMatchObject({ lastSyncMode: 'manual', running: null });
    d.machine.syncStarted({ workflowId: 'sync-3', runId: 'run-3', mode: 'incremental' });
    expect(d.machine.outcome(id)).toMatchObject({ handle: { workflowId: 'sync-3' } });
    const mark = d.done.length;
    d.machine.syncFailed({
      cancelled: false,
      message: 'x',
      details: { reason: 'needs_reauth', error: 'ReauthRequired: revoked', budget, calls: 1 },
    });
    d.run();
    expect(
      d
        .since(mark)
        .slice(0, 2)
        .map((x) => x.type),
    ).toEqual(['pauseSchedule', 'setStatus']);
    expect(d.status.status).toBe('needs_reauth');
  });

  test('nothing to supersede before a sync has started', () => {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    expect(d.stop.type).toBe('startSync'); // decided, not started yet
    expect(d.machine.syncRunning()).toBe(false);
    d.machine.supersedeRunningSync();
    const mark = d.done.length;
    d.failSync({
      cancelled: false,
      message: 'x',
      details: { reason: 'needs_reauth', error: 'ReauthRequired: revoked', budget, calls: 1 },
    });
    expect(
      d
        .since(mark)
        .slice(0, 2)
        .map((x) => x.type),
    ).toEqual(['pauseSchedule', 'setStatus']);
  });
});

describe('token refresh', () => {
  test('due refreshMargin before expiry, planned for the known expiry; the next one set from the new expiry', () => {
    const d = connected({ refreshMarginMs: 10 * 60_000 });
    expect(d.stop).toEqual({ type: 'wait', until: T0 + 24 * HOUR - 10 * 60_000 });
    expect(d.fireTimer()).toEqual({
      type: 'refreshToken',
      knownExpiresAt: T0 + 24 * HOUR,
      marginMs: 10 * 60_000,
    });
    d.machine.tokenRefreshed(d.now + 24 * HOUR);
    expect(d.run()).toEqual({ type: 'wait', until: d.now + 24 * HOUR - 10 * 60_000 });
    expect(d.status.tokenExpiresAt).toBe(d.now + 24 * HOUR);
    expect(d.status.syncCount).toBe(1); // a refresh is not a sync
  });

  test('the connector margin applies when no option overrides it', () => {
    const d = connected();
    expect(d.stop).toEqual({ type: 'wait', until: T0 + 23 * HOUR });
  });

  test(`an unchanged expiry (the platform would not refresh yet) is retried no sooner than ${MIN_REFRESH_RETRY_MS} ms`, () => {
    const d = connected();
    d.fireTimer();
    d.machine.tokenRefreshed(T0 + 24 * HOUR);
    expect(d.run()).toEqual({ type: 'wait', until: d.now + MIN_REFRESH_RETRY_MS });
  });

  test('a platform outage retries later; a refused refresh token means needs_reauth', () => {
    const d = connected();
    d.fireTimer();
    d.machine.tokenRefreshFailed({ reauth: false });
    expect(d.run()).toEqual({ type: 'wait', until: d.now + MIN_REFRESH_RETRY_MS });
    d.fireTimer();
    d.machine.requestSync('manual'); // queued meanwhile: refused by the needs_reauth
    const mark = d.done.length;
    d.machine.tokenRefreshFailed({ reauth: true });
    d.run();
    expect(d.since(mark).map((x) => x.type)).toEqual(['pauseSchedule', 'setStatus', 'wait']);
    expect(d.status).toMatchObject({ status: 'needs_reauth', queued: [], syncCount: 1 });
  });

  test('a sync that refreshed the token makes the connection reload the expiry', () => {
    const d = new Driver();
    d.tokenExpiresAt = T0 + 48 * HOUR;
    const mark = d.done.length;
    d.finishSync({ tokenRefreshed: true });
    expect(d.since(mark).map((x) => x.type)).toEqual(['setStatus', 'loadTokenExpiry', 'wait']);
    expect(d.status.tokenExpiresAt).toBe(T0 + 48 * HOUR);
  });
});

describe('budget and backfill continuation', () => {
  const resume: Partial<Record<ItemKind, ResumePoint>> = { videos: { cursor: 'c2', covered: 20 } };

  test('a cut-short sync queues a backfill for when the window has room, carrying its resume points', () => {
    const d = new Driver();
    const spentAt = d.now + 500;
    d.finishSync({ resume, budget: fullBudget(spentAt) });
    expect(d.status).toMatchObject({ queued: ['backfill'], pendingBackfill: ['videos'] });
    expect(d.stop).toEqual({ type: 'wait', until: spentAt + 60_000 + 1 });
    d.fireTimer();
    expect(d.sync).toMatchObject({ mode: 'backfill', resume });
    d.finishSync({ resume: {} });
    expect(d.status).toMatchObject({ queued: [], pendingBackfill: [] });
  });

  test('no continuation when a page never fits the budget', () => {
    const d = new Driver();
    const never: BudgetState = { windows: [{ bucket: '*', limit: 0, windowMs: 60_000 }], used: {} };
    d.finishSync({ resume, budget: never });
    expect(d.status.queued).toEqual([]);
  });

  test('an incremental walk cut short never replaces a pending backfill point', () => {
    const d = new Driver();
    d.finishSync({ resume, budget: fullBudget(d.now) });
    d.machine.requestSync('incremental');
    d.poke();
    expect(d.sync.resume).toBeUndefined();
    d.finishSync({ resume: { videos: { cursor: 'newer' } } });
    expect(d.machine.query().pendingBackfill).toEqual(['videos']);
    d.fireTimer();
    expect(d.sync).toMatchObject({ mode: 'backfill', resume });
  });

  test(`recent syncs: newest first, at most ${RECENT_SYNCS_KEPT}`, () => {
    const d = connected();
    for (let i = 0; i < RECENT_SYNCS_KEPT + 3; i++) {
      d.machine.requestSync('manual');
      d.poke();
      d.finishSync();
    }
    const recent = d.status.recentSyncs;
    expect(recent).toHaveLength(RECENT_SYNCS_KEPT);
    expect(recent[0]!.workflowId).toBe(`sync-${RECENT_SYNCS_KEPT + 4}`);
  });
});

describe('continue-as-new', () => {
  test('only past maxHistoryLength (or when suggested), and only when safe', () => {
    const d = new Driver();
    d.historyLength = 101;
    d.handlersFinished = false; // an update caller waits in memory
    d.finishSync({ resume: { videos: {} }, budget: fullBudget(d.now) });
    expect(d.stop.type).toBe('wait');

    d.handlersFinished = true;
    d.machine.syncRequested('manual'); // runnable now: not safe
    d.poke();
    expect(d.sync.mode).toBe('manual');
    d.finishSync({ resume: { videos: {} }, budget: fullBudget(d.now) });
    // Only a backfill waiting for the budget window is left: the state travels with it.
    expect(d.stop).toMatchObject({ type: 'continueAsNew', accountId: 'acct-1' });
    const carried = (d.stop as Extract<ConnectionDecision, { type: 'continueAsNew' }>).state;
    expect(carried.queue).toEqual([
      { id: expect.any(Number), mode: 'backfill', notBefore: expect.any(Number) },
    ]);
    expect(carried).toMatchObject({ initialDone: true, syncCount: 2, status: 'active' });
  });

  test('a suggestion from the server is enough; a pending revoke or reconnect is not safe', () => {
    const d = connected();
    d.continueAsNewSuggested = true;
    d.machine.reconnected('acct-1');
    expect(d.machine.woken()).toBe(true);
    expect(d.poke()).toMatchObject({ type: 'continueAsNew' });
  });

  test('the new run resumes from the carried state: no initial sync, same queue, dedupe ids and budget', () => {
    const d = new Driver();
    d.historyLength = 101;
    d.machine.webhookEvents([event('other')]);
    d.finishSync({ resume: { videos: {} }, budget: fullBudget(d.now) });
    const state = (d.stop as Extract<ConnectionDecision, { type: 'continueAsNew' }>).state;
    const next = new Driver({ state: structuredClone(state) });
    next.now = d.now;
    expect(next.status).toMatchObject({
      queued: ['backfill'],
      seenEventCount: 1,
      syncCount: 1,
      status: 'active',
    });
    expect(next.stop.type).toBe('wait');
    next.fireTimer();
    expect(next.sync).toMatchObject({ mode: 'backfill', n: 2 });
  });
});

describe('disconnect', () => {
  test('a cancelled sync reports nothing; queued callers are refused; the status says disconnected; then finish', () => {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    const waiting = d.machine.requestSync('backfill');
    d.machine.disconnect();
    const mark = d.done.length;
    d.failSync({ cancelled: true, message: 'cancelled' });
    expect(d.since(mark)).toEqual([
      { type: 'setStatus', status: 'disconnected', error: null },
      { type: 'finish' },
    ]);
    expect(d.machine.outcome(waiting)).toEqual({ refused: 'connection disconnected' });
    expect(() => d.machine.validateSyncRequest('manual')).toThrow('connection is disconnected');
  });

  test('disconnected before the wait ends: the loop ends without taking the request', () => {
    const d = connected();
    const id = d.machine.requestSync('manual');
    d.machine.disconnect();
    expect(d.poke()).toEqual({ type: 'finish' });
    expect(d.machine.outcome(id)).toEqual({ refused: 'connection disconnected' });
    expect(d.status.syncCount).toBe(1);
  });

  test('disconnected while the syncing status is written: the sync never starts', () => {
    const d = connected();
    const id = d.machine.requestSync('manual');
    expect(d.machine.next()).toEqual({
      type: 'setStatus',
      status: 'syncing',
      error: null,
      patch: STATUS_WRITER_PATCH,
    });
    d.machine.disconnect();
    expect(d.machine.next()).toEqual({ type: 'setStatus', status: 'disconnected', error: null });
    expect(d.machine.next()).toEqual({ type: 'finish' });
    expect(d.machine.outcome(id)).toEqual({ refused: 'connection disconnected' });
    expect(d.status).toMatchObject({ running: null, status: 'disconnected' });
  });

  test('events after a disconnect are ignored', () => {
    const d = connected();
    d.machine.disconnect();
    d.machine.webhookEvents([event('item_changed')]);
    d.machine.syncRequested('manual');
    expect(d.status).toMatchObject({ pendingWebhookEvents: 0, queued: [] });
  });
});

describe('usage cap (X monthly post cap): syncs paused until it resets', () => {
  const budget = emptyBudget(WINDOWS);
  const RESET = T0 + 2 * HOUR;
  const resetIso = new Date(RESET).toISOString();
  const message = usageCapMessage('tiktok', RESET);

  function capped(): { d: Driver; queued: number; mark: number } {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    const queued = d.machine.requestSync('backfill');
    const mark = d.done.length;
    d.failSync({
      cancelled: false,
      message: 'x',
      details: {
        reason: 'usage_capped',
        error: 'UsageCapped: HTTP 429: Usage cap exceeded: Monthly product cap',
        budget,
        calls: 1,
        pausedUntil: resetIso,
      },
    });
    return { d, queued, mark };
  }

  test('the message names the platform and the reset instant', () => {
    expect(usageCapMessage('twitter', Date.UTC(2027, 0, 1))).toBe(
      'X monthly post cap reached; syncs paused until 2027-01-01T00:00:00.000Z',
    );
  });

  test('status error with pausedUntil, queued requests refused with the reason, then it waits for the reset', () => {
    const { d, queued, mark } = capped();
    const after = d.since(mark);
    expect(after[0]).toEqual({
      type: 'setStatus',
      status: 'error',
      error: message,
      pausedUntil: resetIso,
      failedSync: {
        mode: 'manual',
        startedAt: new Date(d.now).toISOString(),
        failedAt: new Date(d.now).toISOString(),
      },
    });
    expect(after.slice(1)).toEqual([{ type: 'wait', until: RESET }]);
    expect(d.machine.outcome(queued)).toEqual({ refused: message });
    expect(d.status).toMatchObject({
      status: 'error',
      error: message,
      pausedUntil: resetIso,
      queued: ['incremental'],
    });
  });

  test('while paused: a manual request is refused with the reason; schedule ticks and webhooks start nothing', () => {
    const { d } = capped();
    expect(() => d.machine.validateSyncRequest('manual')).toThrow(message);
    d.machine.syncRequested('scheduled');
    d.machine.webhookEvents([
      event('item_changed'),
      event('item_deleted', { itemKind: 'videos', itemId: 'v9' }),
    ]);
    d.poke();
    d.advance(HOUR);
    expect(d.stop).toEqual({ type: 'wait', until: RESET });
    expect(d.status).toMatchObject({ queued: ['incremental'], pendingWebhookEvents: 0, syncCount: 2 });
    // A reconnect does not lift an app-level cap.
    d.machine.reconnected('acct-1');
    d.poke();
    expect(d.status).toMatchObject({ status: 'error', pausedUntil: resetIso });
  });

  test('at the reset one incremental sync runs (carrying webhook deletions); its success clears the pause', () => {
    const { d } = capped();
    d.machine.webhookEvents([event('item_deleted', { itemKind: 'videos', itemId: 'v9' })]);
    d.poke();
    d.fireTimer();
    expect(d.now).toBe(RESET);
    expect(d.sync).toMatchObject({ mode: 'incremental', deletions: [{ kind: 'videos', id: 'v9' }] });
    const mark = d.done.length;
    d.finishSync();
    expect(d.since(mark)[0]).toEqual({
      type: 'setStatus',
      status: 'active',
      error: null,
      patch: STATUS_WRITER_PATCH,
      pausedUntil: null,
    });
    expect(d.status).toMatchObject({ status: 'active', error: null, pausedUntil: null });
    expect(() => d.machine.validateSyncRequest('manual')).not.toThrow();
  });

  test('the pause survives continue-as-new', () => {
    const d = connected();
    d.machine.requestSync('manual');
    d.poke();
    d.historyLength = 101;
    d.failSync({
      cancelled: false,
      message: 'x',
      details: { reason: 'usage_capped', error: 'UsageCapped', budget, calls: 1, pausedUntil: resetIso },
    });
    const state = (d.stop as Extract<ConnectionDecision, { type: 'continueAsNew' }>).state;
    const next = new Driver({ state: structuredClone(state) });
    next.now = d.now;
    expect(next.status).toMatchObject({ status: 'error', pausedUntil: resetIso, queued: ['incremental'] });
    expect(() => next.machine.validateSyncRequest('manual')).toThrow(message);
    next.fireTimer();
    expect(next.sync).toMatchObject({ mode: 'incremental' });
  });
});
