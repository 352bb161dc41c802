/**
 * How the workflows read failures: a revoked consent somewhere in the cause chain, a message for the connection
 * document, and the details a failed sync hands to the connection workflow. One place for the connection and the
 * sync workflow, so both classify a failure the same way.
 */
import { ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import { FailureType } from '../domain';
import type { BudgetState } from './budget';

/** Carried in the details of a `SyncFailed` failure so the connection workflow keeps an honest budget. */
export interface SyncFailureDetails {
  reason: 'needs_reauth' | 'error';
  error: string;
  budget: BudgetState;
  calls: number;
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
