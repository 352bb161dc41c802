/**
 * Self-check: the smallest real path through the system — a workflow on the Temporal server runs an activity on a
 * worker, which writes a document through firebase-admin. Used by the end-to-end proof tests and `socialsync doctor`.
 */
import { Context, sleep } from '@temporalio/activity';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';

export interface SelfCheckInput {
  checkId: string;
  /** Heartbeating steps before the write, to keep the activity running for a while (tests kill workers here). */
  steps: number;
  stepMs: number;
}

export interface SelfCheckWrite {
  checkId: string;
  attempt: number;
  worker: string;
}

export function createSelfCheckActivities(deps: { db: Firestore; workerName: string }) {
  return {
    async writeSelfCheck(input: SelfCheckInput): Promise<SelfCheckWrite> {
      const { attempt } = Context.current().info;
      const done = (Context.current().info.heartbeatDetails as number | undefined) ?? 0;
      for (let step = done; step < input.steps; step++) {
        Context.current().heartbeat(step);
        await sleep(input.stepMs);
      }
      // `set` by a fixed id: a retried activity rewrites the same document instead of adding one.
      await deps.db.doc(`_selfChecks/${input.checkId}`).set({
        checkId: input.checkId,
        attempt,
        worker: deps.workerName,
        writtenAt: FieldValue.serverTimestamp(),
      });
      return { checkId: input.checkId, attempt, worker: deps.workerName };
    },
  };
}

export type SelfCheckActivities = ReturnType<typeof createSelfCheckActivities>;
