/**
 * Records the workflow histories that test/replay/replay.test.ts replays, by running each workflow type for real:
 * the test servers of test/setup/global-setup.ts (Temporal dev server, Firestore emulator), the TikTok sandbox over
 * HTTP and the engine harness's workers (test/engine/harness.ts), with the workflow code of this checkout.
 *
 *   npx tsx test/replay/record.ts
 *
 * One connection lives through: connect (initial sync) → a burst of webhook events with a redelivery and a
 * deletion (one debounced webhook sync) → a manual sync (update) → a schedule tick (scheduledSyncWorkflow, a
 * scheduled sync) → consent revoked by webhook (needs_reauth, schedule paused) → reconnect (unpaused, a sync) →
 * disconnect. Its connection history, two of its syncs and the tick are written to test/replay/histories/.
 * Re-record after a change to workflow code that is meant to change histories (docs/sync-engine.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WebhookEvent } from '../../src/platforms/types';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { connectionStatusQuery, connectionWorkflowId, scheduleId } from '../../src/workflows/definitions';
import globalSetup from '../setup/global-setup';
import globalTeardown from '../setup/global-teardown';
import { eventually, startEngine, type EngineHarness } from '../engine/harness';
import { historyToJSON } from './history-json';

const OUT = path.join(__dirname, 'histories');

async function main(): Promise<void> {
  await globalSetup();
  try {
    const engine = await startEngine({
      platform: 'tiktok',
      createSandbox: (clock) =>
        createTikTokSandbox({ clock, seed: 4242, accounts: 1, itemsPerAccount: 12, autoApprove: true }),
      createConnector: (env, clock) =>
        createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
      engine: { pageSize: 5 },
    });
    try {
      await record(engine);
    } finally {
      await engine.close();
    }
  } finally {
    await globalTeardown();
  }
}

async function record(engine: EngineHarness<TikTokSandbox>): Promise<void> {
  const { client, service } = engine;
  const secrets = new Set<string>();
  const rememberTokens = async () => {
    const tokens = await engine.tokenStore.load(key);
    for (const secret of [tokens?.accessToken, tokens?.refreshToken]) if (secret) secrets.add(secret);
  };
  const step = (what: string) => process.stderr.write(`[record] ${what}\n`);

  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  const connection = client.workflow.getHandle(connectionWorkflowId(key));
  await rememberTokens();
  await engine.syncResult(connected.workflowId, connected.runId);
  step(`initial sync ${connected.workflowId}`);

  const syncOf = (mode: string) =>
    eventually(`a ${mode} sync`, async () => {
      const state = await connection.query(connectionStatusQuery);
      const sync = state.recentSyncs.find((s) => s.mode === mode);
      return sync && state.running === null ? sync : undefined;
    });
  const video = engine.sandbox.groundTruth(accountId).items.videos![0]!;
  const event = (n: number, type: WebhookEvent['type'], extra: Partial<WebhookEvent> = {}): WebhookEvent => ({
    platform: 'tiktok',
    eventId: `replay-${n}`,
    accountId,
    type,
    name: type === 'authorization_revoked' ? 'authorization.removed' : 'video.publish.completed',
    occurredAt: new Date(engine.clock.now()).toISOString(),
    ...extra,
  });
  engine.sandbox.control.deleteVideo(accountId, video.id);
  await service.deliverWebhookEvents(key, [event(1, 'item_changed'), event(2, 'other')]);
  await service.deliverWebhookEvents(key, [
    event(1, 'item_changed'),
    event(3, 'item_deleted', { itemKind: 'videos', itemId: video.id }),
  ]);
  const webhookSync = await syncOf('webhook');
  step(`webhook sync ${webhookSync.workflowId}`);

  await service.syncNowAndWait(key);
  step('manual sync');

  const schedule = client.schedule.getHandle(scheduleId(key));
  await schedule.trigger();
  const tick = await eventually('the schedule tick', async () => {
    const action = (await schedule.describe()).info.recentActions[0]?.action;
    return action?.type === 'startWorkflow' ? action.workflow : undefined;
  });
  await client.workflow.getHandle(tick.workflowId, tick.firstExecutionRunId).result();
  await syncOf('scheduled');
  step(`schedule tick ${tick.workflowId}`);

  await service.deliverWebhookEvents(key, [event(4, 'authorization_revoked')]);
  await eventually(
    'needs_reauth',
    async () => (await engine.sink.readConnection(key))?.status === 'needs_reauth',
  );
  step('needs_reauth');

  const again = await engine.connect(accountId, key.userId);
  await rememberTokens();
  await engine.syncResult(again.workflowId, again.runId);
  step(`reconnected, sync ${again.workflowId}`);

  await service.disconnect(key);
  await connection.result();
  step('disconnected');

  const histories: Record<string, { workflowId: string; runId?: string }> = {
    'connection-webhook-reauth': { workflowId: connectionWorkflowId(key) },
    'sync-initial': { workflowId: connected.workflowId, runId: connected.runId },
    'sync-webhook-deletions': { workflowId: webhookSync.workflowId, runId: webhookSync.runId },
    'scheduled-tick': { workflowId: tick.workflowId, runId: tick.firstExecutionRunId },
  };
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, { workflowId, runId }] of Object.entries(histories)) {
    const history = historyToJSON(await client.workflow.getHandle(workflowId, runId).fetchHistory());
    // Pretty-printed so that a re-recording shows up in review as a readable diff.
    const json = `${JSON.stringify(history, null, 2)}\n`;
    for (const secret of secrets) {
      if (json.includes(secret))
        throw new Error(`a token appears in the history of ${workflowId}: not written`);
    }
    fs.writeFileSync(path.join(OUT, `${name}.json`), json);
    step(`wrote ${name}.json (${workflowId})`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
