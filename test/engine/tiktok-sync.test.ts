/**
 * The sync engine end to end against the TikTok sandbox: real Temporal, real Firestore emulator, real HTTP.
 * Each test connects its own user (accounts are shared, users are not), so tests do not see each other's data.
 */
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { connectionStatusQuery, connectionWorkflowId, scheduleId } from '../../src/workflows/definitions';
import { eventually, expectStoredEqualsTruth, startEngine, type EngineHarness } from './harness';

jest.setTimeout(60_000);

let engine: EngineHarness<TikTokSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 4242, accounts: 10, itemsPerAccount: 45, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

/** Sandbox time is frozen (harness default), so every field is compared exactly. */
async function expectFirestoreEqualsTruth(key: { userId: string; platform: 'tiktok' }, accountId: string) {
  await expectStoredEqualsTruth(engine, key, accountId, { dailyDays: 20 });
}

test('initial sync: Firestore equals the platform, status active with lastSync, schedule created', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  expect(connected.workflowId).toMatch(new RegExp(`^sync:${key.userId}:tiktok:initial:`));

  const result = await engine.syncResult(connected.workflowId, connected.runId);
  const visible = engine.sandbox.groundTruth(accountId).items.videos!.length;
  expect(result.summary).toMatchObject({ mode: 'initial', itemsWritten: visible, pending: 0 });
  expect(result.summary.calls).toBeGreaterThanOrEqual(4); // user/info + 3 pages of ≤ 20

  await expectFirestoreEqualsTruth(key, accountId);
  const status = await engine.service.status(key);
  expect(status).toMatchObject({ status: 'active', lastSyncMode: 'initial', counts: { videos: visible } });
  expect(status?.lastSync).not.toBeNull();
  expect(status?.nextSyncAt).not.toBeNull();
  const schedule = await engine.client.schedule.getHandle(scheduleId(key)).describe();
  expect(schedule.state.paused).toBe(false);
});

test('manual sync after new, changed and deleted videos and a profile change: every stored field is current', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  const { control } = engine.sandbox;
  const videos = engine.sandbox.groundTruth(accountId).items.videos!;
  const oldest = videos.reduce((a, b) => (a.createdAt < b.createdAt ? a : b));
  const middle = videos[20]!;
  await control.addVideo(accountId, { text: 'brand new', metrics: { views: 10, likes: 1 } });
  control.updateVideo(accountId, oldest.id, { metrics: { views: 999_999, likes: 4242 } });
  control.deleteVideo(accountId, middle.id);
  control.updateProfile(accountId, { followers: 123_456 });

  const summary = await engine.service.syncNowAndWait(key);
  const visible = engine.sandbox.groundTruth(accountId).items.videos!.length;
  expect(summary).toMatchObject({ mode: 'manual', itemsWritten: visible, itemsDeleted: 1, pending: 0 });
  await expectFirestoreEqualsTruth(key, accountId);
  const withDeleted = await engine.storedItems(key, 'videos', { includeDeleted: true });
  expect(withDeleted.get(middle.id)?.deleted).toBe(true);
  expect((await engine.service.status(key))?.lastSyncMode).toBe('manual');
});

test('a burst of webhook events (with redeliveries) costs at most two syncs: the leading one and one follow-up', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  const added = await engine.sandbox.control.addVideo(accountId, { text: 'posted from the app' });
  const event = (n: number) => ({
    platform: 'tiktok' as const,
    eventId: `evt-${n}`,
    accountId,
    type: 'item_created' as const,
    name: 'video.publish.completed',
    itemKind: 'videos' as const,
    occurredAt: new Date().toISOString(),
  });
  // Eight deliveries at once: the first starts a sync at once (leading edge), the others coalesce behind it.
  await Promise.all(
    Array.from({ length: 8 }, (_, n) => engine.service.deliverWebhookEvents(key, [event(n), event(n)])),
  );
  await engine.service.deliverWebhookEvents(key, [event(3)]); // a redelivery later on

  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const state = await eventually('the webhook sync', async () => {
    const s = await handle.query(connectionStatusQuery);
    // Settled: every sync started has finished, and nothing is queued or pending.
    const settled =
      s.running === null &&
      s.queued.length === 0 &&
      s.pendingWebhookEvents === 0 &&
      s.recentSyncs.length === s.syncCount;
    return settled && s.recentSyncs.some((r) => r.mode === 'webhook') ? s : undefined;
  });
  const webhookSyncs = state.recentSyncs.filter((r) => r.mode === 'webhook').length;
  expect(webhookSyncs).toBeGreaterThanOrEqual(1);
  expect(webhookSyncs).toBeLessThanOrEqual(2);
  expect(state.syncCount).toBe(1 + webhookSyncs); // the initial sync and the webhook syncs, nothing else
  expect((await engine.storedItems(key, 'videos')).get(added.id)?.text).toBe('posted from the app');
});

test('5xx for a while: the page activity retries with backoff, then the sync succeeds', async () => {
  const accountId = await engine.freshAccount();
  engine.sandbox.faults.add({ endpoint: 'POST /v2/video/list/', status: 500, times: 3 });
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  const result = await engine.syncResult(connected.workflowId, connected.runId);
  expect(result.summary.itemsWritten).toBe(engine.sandbox.groundTruth(accountId).items.videos!.length);
  // The fault fires before the token is checked, so these requests carry no user: count by endpoint.
  expect(
    engine.sandbox.log.all({ endpoint: 'POST /v2/video/list/' }).filter((r) => r.status === 500),
  ).toHaveLength(3);
  await expectFirestoreEqualsTruth(key, accountId);
});

test('token expired mid-sync: refreshed once inside the activity, the sync continues', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  const before = await engine.tokenStore.load(key);

  engine.sandbox.control.expireTokens(accountId);
  const summary = await engine.service.syncNowAndWait(key);
  expect(summary.itemsWritten).toBe(engine.sandbox.groundTruth(accountId).items.videos!.length);
  const after = await engine.tokenStore.load(key);
  expect(after?.accessToken).not.toBe(before?.accessToken);
  await expectFirestoreEqualsTruth(key, accountId);
});

test('revoked consent: needs_reauth, schedule paused, sync requests refused until reconnect', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  await engine.sandbox.control.revoke(accountId);
  await expect(engine.service.syncNowAndWait(key)).rejects.toThrow();
  const status = await eventually('needs_reauth', async () => {
    const s = await engine.service.status(key);
    return s?.status === 'needs_reauth' ? s : undefined;
  });
  expect(status.error).toBeTruthy();
  expect(status.nextSyncAt).toBeNull();
  const schedule = await engine.client.schedule.getHandle(scheduleId(key)).describe();
  expect(schedule.state.paused).toBe(true);
  await expect(engine.service.syncNow(key)).rejects.toThrow(/re-authorization/);

  // Reconnecting (fresh consent) leaves needs_reauth and unpauses the schedule.
  engine.sandbox.control.login(accountId);
  const again = await engine.connect(accountId, key.userId);
  await engine.syncResult(again.workflowId, again.runId);
  expect((await engine.service.status(key))?.status).toBe('active');
  expect((await engine.client.schedule.getHandle(scheduleId(key)).describe()).state.paused).toBe(false);
});

test('no token string anywhere in Firestore documents of the user or in Temporal history', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'tiktok' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  engine.sandbox.control.expireTokens(accountId);
  await engine.service.syncNowAndWait(key); // includes a refresh: the new tokens must not leak either
  const tokens = await engine.tokenStore.load(key);
  const secrets = [tokens!.accessToken, tokens!.refreshToken!].filter(Boolean);

  const userDocs: string[] = [];
  const walk = async (path: string) => {
    const doc = await engine.firestore.db.doc(path).get();
    if (doc.exists) userDocs.push(JSON.stringify(doc.data()));
    for (const sub of await engine.firestore.db.doc(path).listCollections()) {
      for (const d of (await sub.get()).docs) await walk(d.ref.path);
    }
  };
  await walk(`users/${key.userId}`);
  expect(userDocs.length).toBeGreaterThan(20);

  // Every workflow of the connection: the connection workflow and each sync it ran (payload bytes decoded).
  const connection = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const { recentSyncs } = await connection.query(connectionStatusQuery);
  const handles = [
    connection,
    ...recentSyncs.map((s) => engine.client.workflow.getHandle(s.workflowId, s.runId)),
  ];
  const histories: string[] = [];
  for (const handle of handles) histories.push(historyText(await handle.fetchHistory()));
  expect(histories).toHaveLength(3);
  expect(histories.join('\n')).toContain(accountId); // the decoding works: ids are there, tokens must not be
  for (const secret of secrets) {
    for (const text of [...userDocs, ...histories]) expect(text.includes(secret)).toBe(false);
  }
});

/** History as text, with every payload decoded (history JSON carries payload data base64-encoded). */
function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}
