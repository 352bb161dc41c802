/**
 * The sync engine end to end against the Instagram sandbox: real Temporal, real Firestore emulator, real HTTP.
 * Sandbox time is frozen (metrics grow with sandbox time), so Firestore is compared with the ground truth exactly:
 * posts, stories, profile, latest insights, daily insights and audience. Each test connects its own user and
 * sandbox account.
 */
import { createInstagramConnector, instagramSettingsFromEnv } from '../../src/platforms/instagram';
import { createInstagramSandbox, type InstagramSandbox } from '../../src/sandbox/instagram';
import { connectionStatusQuery, connectionWorkflowId, scheduleId } from '../../src/workflows/definitions';
import { eventually, expectStoredEqualsTruth, startEngine, type EngineHarness } from './harness';
import type { ConnectionKey } from '../../src/domain';

jest.setTimeout(90_000);

const DAY_MS = 86_400_000;
let engine: EngineHarness<InstagramSandbox>;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'instagram',
    createSandbox: (clock) =>
      createInstagramSandbox({ clock, seed: 909, accounts: 7, itemsPerAccount: 60, autoApprove: true }),
    createConnector: (env, clock) =>
      createInstagramConnector(instagramSettingsFromEnv(env), { now: () => clock.now() }),
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

async function expectEqualsTruth(key: ConnectionKey, accountId: string) {
  await expectStoredEqualsTruth(engine, key, accountId, { dailyDays: 20 });
}

const refreshCalls = (accountId: string) =>
  engine.sandbox.log
    .all({ endpoint: 'GET /refresh_access_token' })
    .filter((r) => r.user === undefined || r.user === accountId);

test('initial sync: posts, stories, profile, insights, daily insights and audience equal the platform', async () => {
  const accountId = await engine.freshAccount(); // the first account has enough followers for demographics
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'instagram' as const };
  const result = await engine.syncResult(connected.workflowId, connected.runId);

  const truth = engine.sandbox.groundTruth(accountId);
  expect(truth.audience).toBeDefined();
  expect(truth.items.stories!.length).toBeGreaterThan(0);
  expect(result.summary).toMatchObject({
    mode: 'initial',
    itemsWritten: truth.items.posts!.length + truth.items.stories!.length,
    pending: 0,
  });
  await expectEqualsTruth(key, accountId);
  const status = await engine.service.status(key);
  expect(status).toMatchObject({
    status: 'active',
    lastSyncMode: 'initial',
    counts: { posts: truth.items.posts!.length, stories: truth.items.stories!.length },
  });
  expect(status?.pending).toBeUndefined();
  expect((await engine.client.schedule.getHandle(scheduleId(key)).describe()).state.paused).toBe(false);
});

test('manual sync after new, changed and deleted posts and a profile change: every stored field is current', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'instagram' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  const { sandbox } = engine;
  const posts = [...sandbox.groundTruth(accountId).items.posts!].sort((a, b) =>
    a.createdAt.localeCompare(b.createdAt),
  );
  const oldest = posts[5]!; // old, but with insights (the oldest 5 % predate the professional conversion)
  const gone = posts[posts.length - 3]!;
  const added = sandbox.addItem(accountId, { text: 'fresh post', metrics: { likes: 3, reach: 40 } });
  await sandbox.patchItem(accountId, oldest.id, {
    text: 'edited caption',
    metrics: { likes: 5_000, saves: 77 },
  });
  sandbox.deleteItem(accountId, gone.id);
  sandbox.patchProfile(accountId, { followers: 31_337, displayName: 'Renamed' });

  const summary = await engine.service.syncNowAndWait(key);
  expect(summary).toMatchObject({ mode: 'manual', itemsDeleted: 1, pending: 0 });
  await expectEqualsTruth(key, accountId);
  const stored = await engine.storedItems(key, 'posts', { includeDeleted: true });
  expect(stored.get(gone.id)?.deleted).toBe(true);
  expect(stored.get(added.id)?.text).toBe('fresh post');
  expect(stored.get(oldest.id)?.metrics.likes).toBe(5_000);
});

test('a webhook (comments on a post) triggers an incremental sync that picks up new, changed and deleted posts', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'instagram' as const };
  await engine.syncResult(connected.workflowId, connected.runId);

  const { sandbox } = engine;
  const posts = [...sandbox.groundTruth(accountId).items.posts!].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  );
  const [newest, second] = posts;
  const added = sandbox.addItem(accountId, { text: 'posted between syncs' });
  await sandbox.patchItem(accountId, newest!.id, { metrics: { comments: 900, likes: 1_234 } });
  sandbox.deleteItem(accountId, second!.id);

  await engine.service.deliverWebhookEvents(key, [
    {
      platform: 'instagram',
      eventId: `${accountId}:comments:${newest!.id}`,
      accountId,
      type: 'item_changed',
      name: 'comments',
      itemKind: 'posts',
      itemId: newest!.id,
      occurredAt: new Date(sandbox.clock.now()).toISOString(),
    },
  ]);
  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const state = await eventually('the webhook sync', async () => {
    const s = await handle.query(connectionStatusQuery);
    return s.recentSyncs.some((r) => r.mode === 'webhook') && s.running === null ? s : undefined;
  });
  const webhookSync = state.recentSyncs.find((r) => r.mode === 'webhook')!;
  expect(webhookSync.itemsDeleted).toBe(1);
  // Incremental: it walks only the recent window, not the whole history.
  expect(webhookSync.itemsWritten).toBeLessThan(posts.length);

  await expectEqualsTruth(key, accountId);
  const stored = await engine.storedItems(key, 'posts', { includeDeleted: true });
  expect(stored.get(added.id)?.text).toBe('posted between syncs');
  expect(stored.get(second!.id)?.deleted).toBe(true);
  expect((await engine.service.status(key))?.lastSyncMode).toBe('webhook');
});

test('refresh before expiry: the connection workflow refreshes the 60-day token ahead of time and stores the new expiry', async () => {
  const accountId = await engine.freshAccount();
  const { key, tokens } = await engine.authorize(accountId);
  // Instagram refreshes only tokens at least 24 h old: let a day pass on the platform.
  engine.clock.advance(DAY_MS + 3_600_000);
  // A margin that makes the refresh due a few seconds from now (workflow time), instead of 10 days before expiry.
  const service = engine.serviceWith({ refreshMarginMs: tokens.expiresAt! - (Date.now() + 6_000) });
  const started = await service.connect({ ...key, accountId });
  await engine.syncResult(started.workflowId, started.runId);
  const refreshesBefore = refreshCalls(accountId).length;

  const refreshed = await eventually('the proactive refresh', async () => {
    const now = await engine.tokenStore.load(key);
    return now && now.expiresAt! > tokens.expiresAt! ? now : undefined;
  });
  expect(refreshed.accessToken).not.toBe(tokens.accessToken);
  expect(refreshed.expiresAt).toBeGreaterThanOrEqual(engine.clock.now() + 59 * DAY_MS);
  expect(refreshCalls(accountId).length - refreshesBefore).toBe(1);

  // The workflow knows the new expiry (never the token), and no sync ran for it.
  const handle = engine.client.workflow.getHandle(connectionWorkflowId(key));
  const state = await eventually('the new expiry in the workflow', async () => {
    const s = await handle.query(connectionStatusQuery);
    return s.tokenExpiresAt === refreshed.expiresAt ? s : undefined;
  });
  expect(state.syncCount).toBe(1);
  expect(state.status).toBe('active');

  // The new token works.
  const summary = await service.syncNowAndWait(key);
  expect(summary.mode).toBe('manual');
  await expectEqualsTruth(key, accountId);
});

test('an expired token is reauth_required (Instagram cannot refresh it): needs_reauth, schedule paused, no refresh call', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'instagram' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  const refreshesBefore = refreshCalls(accountId).length;

  engine.sandbox.expireTokens(accountId); // the platform now answers 190/463
  await expect(engine.service.syncNowAndWait(key)).rejects.toThrow();
  const status = await eventually('needs_reauth', async () => {
    const s = await engine.service.status(key);
    return s?.status === 'needs_reauth' ? s : undefined;
  });
  expect(status.error).toMatch(/ReauthRequired/);
  expect(status.nextSyncAt).toBeNull();
  expect((await engine.client.schedule.getHandle(scheduleId(key)).describe()).state.paused).toBe(true);
  expect(refreshCalls(accountId).length).toBe(refreshesBefore);
  await expect(engine.service.syncNow(key)).rejects.toThrow(/re-authorization/);
  // Cached data stays.
  expect((await engine.storedItems(key, 'posts')).size).toBe(
    engine.sandbox.groundTruth(accountId).items.posts!.length,
  );
});

test('a metric, a breakdown and the stories edge refused for the account: stored as unavailable, the rest syncs', async () => {
  const accountId = await engine.freshAccount();
  const { sandbox } = engine;
  sandbox.refuse({ accountId, metric: 'reach' });
  sandbox.refuse({ accountId, breakdown: 'country' });
  sandbox.refuse({ accountId, edge: 'stories' });
  try {
    const connected = await engine.connect(accountId);
    const key = { userId: connected.userId, platform: 'instagram' as const };
    const result = await engine.syncResult(connected.workflowId, connected.runId);
    const truth = sandbox.groundTruth(accountId);
    expect(result.summary).toMatchObject({ mode: 'initial', itemsWritten: truth.items.posts!.length });

    const doc = engine.firestore.db.doc(`users/${key.userId}/platforms/instagram`);
    const stored = (await doc.get()).data()!;
    expect(stored.unavailable).toEqual({
      reach: expect.stringMatching(/^\(#100\) metric\[0\] must be one of the following values/),
      'follower_demographics:country': expect.stringMatching(/^\(#10\)/),
      stories: '(#100) Tried accessing nonexisting field (stories) on node type (User)',
    });
    const { reach: _reach, ...insightsWithoutReach } = truth.insights!;
    expect(stored.insights).toEqual(insightsWithoutReach);
    const { country: _country, ...audienceWithoutCountry } = truth.audience!;
    expect(stored.audience).toEqual(audienceWithoutCountry);
    for (const metrics of (await engine.storedDaily(key)).values())
      expect(metrics).not.toHaveProperty('reach');
    expect((await engine.storedItems(key, 'posts')).size).toBe(truth.items.posts!.length);
    expect((await engine.storedItems(key, 'stories')).size).toBe(0);
    expect((await engine.service.status(key))?.status).toBe('active');

    // Available again: the next sync stores everything and the reasons disappear.
    sandbox.clearRefusals();
    await engine.service.syncNowAndWait(key);
    expect((await doc.get()).get('unavailable')).toBeUndefined();
    await expectEqualsTruth(key, accountId);
  } finally {
    sandbox.clearRefusals();
  }
});

// Last in the file: it moves the shared sandbox clock past every token's 60-day expiry.
test('a token past its 60 days: the activity does not even call the platform to refresh; needs_reauth', async () => {
  const accountId = await engine.freshAccount();
  const connected = await engine.connect(accountId);
  const key = { userId: connected.userId, platform: 'instagram' as const };
  await engine.syncResult(connected.workflowId, connected.runId);
  const callsBefore = engine.sandbox.log.all({ user: accountId }).length;
  const refreshesBefore = refreshCalls(accountId).length;

  engine.clock.advance(61 * DAY_MS);
  await expect(engine.service.syncNowAndWait(key)).rejects.toThrow();
  const status = await eventually('needs_reauth', async () => {
    const s = await engine.service.status(key);
    return s?.status === 'needs_reauth' ? s : undefined;
  });
  expect(status.error).toMatch(/expired/);
  expect(refreshCalls(accountId).length).toBe(refreshesBefore);
  expect(engine.sandbox.log.all({ user: accountId }).length).toBe(callsBefore);
});
