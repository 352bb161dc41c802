import { proxyActivities } from '@temporalio/workflow';
import type { SelfCheckActivities, SelfCheckInput, SelfCheckWrite } from '../activities/self-check';

const { writeSelfCheck } = proxyActivities<SelfCheckActivities>({
  startToCloseTimeout: '1 minute',
  // A worker that dies mid-activity is noticed within seconds, and the activity moves to another worker.
  heartbeatTimeout: '2 seconds',
  retry: { initialInterval: '200 ms', maximumAttempts: 5 },
});

export async function selfCheckWorkflow(input: SelfCheckInput): Promise<SelfCheckWrite> {
  return writeSelfCheck(input);
}
