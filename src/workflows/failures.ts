/**
 * How the workflows read failures: a revoked consent somewhere in the cause chain, a message for the connection
 * document, and the details a failed sync hands to the connection workflow. One place for the connection and the
 * sync workflow, so both classify a failure the same way.
 */
import { ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import { FailureType, type ReadUsage } from '../domain';
import type { BudgetState } from './budget';

/** Carried in the details of a `SyncFailed` failure so the connection workflow keeps an honest budget. */
export interface SyncFailureDetails {
  /** `usage_capped`: the platform's billing-period cap (X's monthly post cap) is used up until `pausedUntil`. */
  reason: 'needs_reauth' | 'error' | 'usage_capped';
  error: string;
  budget: BudgetState;
  calls: number;
  /** ISO instant the cap resets (reason `usage_capped`). */
  pausedUntil?: string;
  /** Billable reads the failed sync made before it failed (they are billed all the same). */
  reads?: ReadUsage;
  estimatedCostUsd?: number;
}

/** True when any failure in the cause chain says the user must reconnect (activity, or a refresh behind it). */
export function isReauthFailure(err: unknown): boolean {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type === FailureType.reauthRequired) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * The ISO instant a usage-capped failure in the cause chain lifts (the activity's `retryAt`), else undefined.
 * A cap without a known reset is taken to last until the first of the next UTC month.
 */
export function usageCappedUntil(err: unknown): string | undefined {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure && cause.type === FailureType.usageCapped) {
      const retryAt = (cause.details?.[0] as { retryAt?: number | null } | undefined)?.retryAt;
      if (typeof retryAt === 'number' && Number.isFinite(retryAt)) return new Date(retryAt).toISOString();
      const now = new Date(Date.now());
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    }
    cause = cause.cause;
  }
  return undefined;
}

/**
 * A message for the connection document: the first classified failure of the cause chain, named by its type
 * (`ReauthRequired: …`), else the innermost message (a timeout, a termination). Activity messages carry no secret,
 * so neither does this.
 */
export function describeFailure(err: unknown): string {
  let cause: unknown = err;
  for (;;) {
    if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
    if (!(cause instanceof Error && cause.cause instanceof Error)) break;
    cause = cause.cause;
  }
  return cause instanceof Error ? cause.message : String(cause);
}

/** The details of a child sync that failed with `SyncFailed`; undefined for any other failure. */
export function syncFailureDetails(err: unknown): SyncFailureDetails | undefined {
  if (!(err instanceof ChildWorkflowFailure)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FailureType.syncFailed) return undefined;
  return cause.details?.[0] as SyncFailureDetails | undefined;
}
