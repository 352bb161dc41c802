/**
 * Started by the connection's Temporal Schedule on every tick. It does not sync by itself: it asks the
 * connection workflow, which queues the sync behind any running one, so two syncs of a connection never overlap.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { PlatformId } from '../platforms/types';
import { connectionWorkflowId, syncRequestedSignal } from './definitions';

export interface ScheduledSyncInput {
  userId: string;
  platform: PlatformId;
}

export async function scheduledSyncWorkflow(input: ScheduledSyncInput): Promise<void> {
  await getExternalWorkflowHandle(connectionWorkflowId(input)).signal(syncRequestedSignal, {
    mode: 'scheduled',
  });
}
