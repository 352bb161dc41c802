/**
 * One long-lived workflow per connection (`connection:{userId}:{platform}`). It owns everything that must not
 * race: the queue of syncs (run one at a time, each as a child workflow), the per-user rate budget, webhook
 * dedupe/debounce, token refresh timing, the needs_reauth state and the connection's `status` (its one writer).
 * It continues-as-new with its small state before history grows large.
 *
 * The decisions are made by `ConnectionMachine` (connection-machine.ts, pure and unit-tested); this file is the
 * thin loop that feeds it signals, updates and results, and carries out what it decides with activities, child
 * workflows and timers.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlatformId } from '../platforms/types';
import { FailureType } from '../domain';
import {
  ConnectionMachine,
  DEFAULT_CONNECTION_OPTIONS,
  LEGACY_WEBHOOK_OPTIONS,
  type ConnectionOptions,
  type ConnectionState,
  type SyncStart,
} from './connection-machine';
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
} from './definitions';
import { describeFailure, isReauthFailure, syncFailureDetails } from './failures';
import { bookkeepingOf, platformCalls } from './profiles';
import {
  LOCAL_BOOKKEEPING_PATCH,
  RECONNECT_SUPERSEDES_SYNC_PATCH,
  WEBHOOK_LEADING_EDGE_PATCH,
} from './patches';
import { syncWorkflow } from './sync';

export { DEFAULT_CONNECTION_OPTIONS, type ConnectionOptions, type ConnectionState };

export interface ConnectionWorkflowInput {
  userId: string;
  platform: PlatformId;
  accountId: string;
  options?: Partial<ConnectionOptions>;
  /** Present only after continue-as-new. */
  state?: ConnectionState;
}

export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { userId, platform } = input;
  const key = { userId, platform };
  // Runs started before the leading-edge webhook timing replay with the timing they were recorded with.
  const defaults = patched(WEBHOOK_LEADING_EDGE_PATCH)
    ? DEFAULT_CONNECTION_OPTIONS
    : { ...DEFAULT_CONNECTION_OPTIONS, ...LEGACY_WEBHOOK_OPTIONS };
  const options: ConnectionOptions = { ...defaults, ...input.options };
  const engine = bookkeepingOf(options.taskQueuePrefix);
  const remote = platformCalls(platform, options.taskQueuePrefix);
  const machine = new ConnectionMachine({
    userId,
    platform,
    accountId: input.accountId,
    options,
    state: input.state,
    env: {
      now: () => Date.now(),
      history: () => {
        const info = workflowInfo();
        return { length: info.historyLength, continueAsNewSuggested: info.continueAsNewSuggested };
      },
      handlersFinished: allHandlersFinished,
    },
  });
  // Same patch as the local bookkeeping above (patched() answers the same for one id throughout a run).
  machine.joinsRunningInitial = patched(LOCAL_BOOKKEEPING_PATCH);
  let runningScope: CancellationScope | null = null;

  // ── Handlers: each one event for the machine ──────────────────────────────────────────────────────────────
  setHandler(
    requestSyncUpdate,
    async ({ mode }) => {
      const id = machine.requestSync(mode);
      await condition(() => machine.outcome(id) !== undefined);
      const outcome = machine.outcome(id)!;
      if ('handle' in outcome) return outcome.handle;
      throw ApplicationFailure.create({
        type: FailureType.syncRefused,
        message: outcome.refused,
        nonRetryable: true,
      });
    },
    { validator: ({ mode }) => machine.validateSyncRequest(mode) },
  );
  setHandler(syncRequestedSignal, ({ mode }) => machine.syncRequested(mode));
  setHandler(webhookEventsSignal, (events) => machine.webhookEvents(events));
  setHandler(reconnectedSignal, ({ accountId }) => {
    machine.reconnected(accountId);
    // The running sync began with the tokens just replaced and may be retrying for want of valid ones: the sync the
    // reconnect requests would wait for all of it (the OAuth callback with it). Cancelled, so that one starts now.
    if (runningScope && machine.syncRunning() && patched(RECONNECT_SUPERSEDES_SYNC_PATCH)) {
      machine.supersedeRunningSync();
      runningScope.cancel();
    }
  });
  setHandler(disconnectSignal, () => {
    machine.disconnect();
    runningScope?.cancel();
  });
  setHandler(connectionStatusQuery, () => machine.query());

  async function runSync(sync: SyncStart): Promise<void> {
    const { mode } = sync;
    const workflowId = syncWorkflowId({ userId, platform, mode, n: sync.n });
    runningScope = new CancellationScope();
    try {
      const result = await runningScope.run(async () => {
        const child = await startChild(syncWorkflow, {
          workflowId,
          args: [
            {
              userId,
              platform,
              mode,
              budget: sync.budget,
              options: {
                recentWindowMs: options.recentWindowMs,
                maxBudgetWaitMs: options.maxBudgetWaitMs,
                insightsDays: options.insightsDays,
                pageSize: options.pageSize,
              },
              resume: sync.resume,
              deletions: sync.deletions,
              taskQueuePrefix: options.taskQueuePrefix,
            },
          ],
          typedSearchAttributes: [
            { key: UserIdAttribute, value: userId },
            { key: PlatformAttribute, value: platform },
            { key: SyncModeAttribute, value: mode },
          ],
        });
        machine.syncStarted({ workflowId, runId: child.firstExecutionRunId, mode });
        return child.result();
      });
      machine.syncSucceeded(result);
    } catch (err) {
      machine.syncFailed({
        cancelled: isCancellation(err),
        details: syncFailureDetails(err),
        message: describeFailure(err),
      });
    } finally {
      runningScope = null;
    }
  }

  // ── The loop: carry out each decision, feed back its result ───────────────────────────────────────────────
  for (;;) {
    const decision = machine.next();
    switch (decision.type) {
      case 'loadLimits':
        machine.limitsLoaded(await engine.platformLimits({ platform }));
        break;
      case 'loadTokenExpiry':
        machine.tokenExpiryLoaded((await engine.tokenExpiry({ key })).expiresAt);
        break;
      case 'wait':
        if (decision.until === null) await condition(() => machine.woken());
        else await condition(() => machine.woken(), decision.until - Date.now());
        break;
      case 'refreshToken':
        try {
          const { knownExpiresAt, marginMs } = decision;
          const result = await remote.refreshToken({ key, knownExpiresAt, marginMs });
          machine.tokenRefreshed(result.expiresAt);
        } catch (err) {
          machine.tokenRefreshFailed({ reauth: isReauthFailure(err) });
        }
        break;
      case 'setStatus': {
        // A write added after runs had started: a run replaying history from before it goes without.
        if (decision.patch !== undefined && !patched(decision.patch)) break;
        const { status, error, accountId, failedSync, pausedUntil } = decision;
        await engine.setConnectionStatus({
          key,
          status,
          error,
          ...(accountId ? { accountId } : {}),
          ...(failedSync ? { failedSync } : {}),
          ...(pausedUntil !== undefined ? { pausedUntil } : {}),
        });
        break;
      }
      case 'pauseSchedule':
        await engine.pauseSchedule({ key, note: decision.note });
        break;
      case 'unpauseSchedule':
        await engine.unpauseSchedule({ key, note: decision.note });
        break;
      case 'startSync':
        await runSync(decision.sync);
        break;
      case 'continueAsNew':
        await continueAsNew<typeof connectionWorkflow>({
          userId,
          platform,
          accountId: decision.accountId,
          options: input.options,
          state: decision.state,
        });
        break;
      case 'finish':
        await condition(allHandlersFinished);
        return;
    }
  }
}
