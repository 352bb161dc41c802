/**
 * The TikTok API for Business authorization end to end: real Temporal, real Firestore emulator, the TikTok sandbox
 * (which serves the Business API from its own facts) over real HTTP. Daily history and audience must equal the
 * sandbox's ground truth; throttling, outages, an expired or revoked business grant must never fail the sync.
 */
import { randomUUID } from 'node:crypto';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import type { TokenSet } from '../../src/platforms/types';
import { createTikTokSandbox, type TikTokSandbox } from '../../src/sandbox/tiktok';
import { createTokenStore } from '../../src/store/token-store';
import type { TokenStore } from '../../src/store/types';
import type { ConnectionKey } from '../../src/domain';
import { eventually, startEngine, type EngineHarness } from './harness';

jest.setTimeout(90_000);

const BUSINESS_GET = 'GET /open_api/v1.3/business/get/';
const DAY_MS = 86_400_000;

let engine: EngineHarness<TikTokSandbox>;
let businessTokens: TokenStore;

beforeAll(async () => {
  engine = await startEngine({
    platform: 'tiktok',
    createSandbox: (clock) =>
      createTikTokSandbox({ clock, seed: 5150, accounts: 8, itemsPerAccount: 12, autoApprove: true }),
    createConnector: (env, clock) =>
      createTikTokConnector(tiktokSettingsFromEnv(env), { now: () => clock.now() }),
  });
  businessTokens = engine.tokenStore.forSlot!('business');
}, 90_000);

afterAll(async () => {
  await engine?.close();
});

/** Consent of the logged-in sandbox account for the business app, and its tokens in the `business` slot. */
async function authorizeBusiness(key: ConnectionKey): Promise<TokenSet> {
  const business = engine.connector.business!;
  const redirectUri = 'http://127.0.0.1:1/oauth/tiktok/business/callback/';
  const consent = await fetch(business.oauth.authorizeUrl({ state: randomUUID(), redirectUri }), {
    redirect: 'manual',
  });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code: ${consent.headers.get('location')}`);
  const tokens = await business.oauth.exchangeCode({ code, redirectUri });
  await businessTokens.save(key, tokens);
  return tokens;
}

/** A fresh account connected with both grants (business first, so the initial sync reads it), initial sync done. */
async function connectBoth(accountId?: string): Promise<{ key: ConnectionKey; accountId: string }> {
  const id = accountId ?? (await engine.freshAccount());
  const { key } = await engine.authorize(id);
  await authorizeBusiness(key);
  const started = await engine.service.connect({ ...key, accountId: id });
  await engine.syncResult(started.workflowId, started.runId);
  return { key, accountId: id };
}

/** Daily insights a sync stored, against the sandbox's truth, over the days both cover since `days` ago. */
async function expectDailyEqualsTruth(key: ConnectionKey, accountId: string, days: number) {
  const since = new Date(engine.clock.now() - days * DAY_MS).toISOString().slice(0, 10);
  const truth = engine.sandbox.control.businessGroundTruth(accountId, { from: since });
  const stored = await engine.storedDaily(key);
  const expected = new Map(truth.daily.map((d) => [d.date, d.metrics]));
  expect(new Map([...stored].filter(([date]) => date >= since))).toEqual(expected);
  expect(expected.size).toBeGreaterThanOrEqual(days - 1);
}

/** The connection workflow writes `active` once the sync it ran is done: wait for it, then read the document. */
async function activeDoc(key: ConnectionKey) {
  await eventually('the connection to be active again', async () => {
    const status = await engine.service.status(key);
    return status?.status === 'active';
  });
  return engine.sink.readConnection(key);
}

function businessCalls(accountId: string) {
  return engine.sandbox.log.all({ endpoint: BUSINESS_GET, user: accountId });
}

test('daily history and audience equal the sandbox; the Display API data is untouched', async () => {
  const { key, accountId } = await connectBoth();
  const truth = engine.sandbox.control.businessGroundTruth(accountId);
  const doc = await engine.sink.readConnection(key);
  expect(doc?.audience).toEqual(truth.audience);
  expect(truth.audience?.age).toBeDefined();
  expect(doc?.business).toEqual({ status: 'connected', error: null });
  expect(doc?.unavailable ?? {}).toEqual({});
  // The initial (full) sync asks for the last 30 days; TikTok keeps 60, the connector never asks for more.
  await expectDailyEqualsTruth(key, accountId, 28);
  const [call] = businessCalls(accountId);
  expect(call?.query).toMatchObject({ business_id: truth.businessId });
  expect(
    String(call?.query.start_date) >= new Date(engine.clock.now() - 60 * DAY_MS).toISOString().slice(0, 10),
  ).toBe(true);
  // Profile and insights still come from the Display API, exactly.
  const display = engine.sandbox.groundTruth(accountId);
  expect(doc?.profile).toEqual(display.profile);
  expect(doc?.insights).toEqual(display.insights);
  expect((await engine.storedItems(key, 'videos')).size).toBe(display.items.videos!.length);
});

test('an account below 100 followers: no audience, the reason under unavailable, daily history still stored', async () => {
  const small = engine.sandbox.control.createAccount({ followers: 42, items: 3 });
  engine.sandbox.control.login(small);
  const { key } = await connectBoth(small);
  const doc = await engine.sink.readConnection(key);
  expect(doc?.audience).toBeUndefined();
  expect(doc?.unavailable).toEqual({ audience: 'fewer than 100 followers' });
  expect(engine.sandbox.control.businessGroundTruth(small).audienceUnavailable).toBe(
    'fewer than 100 followers',
  );
  await expectDailyEqualsTruth(key, small, 28);
});

test('throttled (40100): the sync completes, the throttle is recorded, the stored audience stays', async () => {
  const { key, accountId } = await connectBoth();
  const audience = (await engine.sink.readConnection(key))?.audience;
  expect(audience).toBeDefined();
  engine.sandbox.faults.add({ endpoint: BUSINESS_GET, rateLimit: true, times: 1 });
  const summary = await engine.service.syncNowAndWait(key);
  expect(summary.mode).toBe('manual');
  const doc = await activeDoc(key);
  expect(doc?.status).toBe('active');
  expect(doc?.audience).toEqual(audience);
  expect(doc?.unavailable?.audience).toMatch(/rate limit.*40100/);
  expect(doc?.business).toMatchObject({ status: 'connected', error: expect.stringMatching(/40100/) });
  // The next sync reads it again and clears the record.
  await engine.service.syncNowAndWait(key);
  const after = await engine.sink.readConnection(key);
  expect(after?.unavailable ?? {}).toEqual({});
  expect(after?.business).toEqual({ status: 'connected', error: null });
  expect(after?.audience).toEqual(engine.sandbox.control.businessGroundTruth(accountId).audience);
});

test('a Business API outage (5xx beyond the in-call retries) is recorded; the sync still completes', async () => {
  const { key } = await connectBoth();
  engine.sandbox.faults.add({ endpoint: BUSINESS_GET, status: 503, times: 3 });
  await engine.service.syncNowAndWait(key);
  const doc = await activeDoc(key);
  expect(doc?.status).toBe('active');
  expect(doc?.unavailable?.daily).toMatch(/unavailable/);
  expect(doc?.business?.status).toBe('connected');
});

test('an expired business token is refreshed under its own lease (rotated, stored encrypted) and the read goes on', async () => {
  const { key, accountId } = await connectBoth();
  const before = (await businessTokens.load(key))!;
  engine.clock.advance(25 * 60 * 60 * 1000); // past both 24 h access tokens
  await engine.service.syncNowAndWait(key);
  const after = (await businessTokens.load(key))!;
  expect(after.accessToken).not.toBe(before.accessToken);
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect(after.accountId).toBe(before.accountId);
  const refreshes = engine.sandbox.log.all({ endpoint: 'POST /open_api/v1.3/tt_user/oauth2/refresh_token/' });
  expect(refreshes.filter((r) => r.user === accountId)).toHaveLength(1);
  const doc = await engine.sink.readConnection(key);
  expect(doc?.business).toEqual({ status: 'connected', error: null });
  expect(doc?.audience).toEqual(engine.sandbox.control.businessGroundTruth(accountId).audience);
});

test('a revoked business grant marks only the business part needs_reauth; the connection stays active', async () => {
  const { key, accountId } = await connectBoth();
  expect(engine.sandbox.control.revokeBusiness(accountId).revoked).toBe(1);
  const summary = await engine.service.syncNowAndWait(key);
  expect(summary.itemsWritten).toBeGreaterThan(0);
  const doc = await activeDoc(key);
  expect(doc?.status).toBe('active');
  expect(doc?.error ?? null).toBeNull();
  expect(doc?.business).toEqual({ status: 'needs_reauth', error: expect.stringMatching(/connect it again/) });
  expect(doc?.unavailable?.audience).toMatch(/revoked or expired/);
  // Connecting the business authorization again brings it back.
  await authorizeBusiness(key);
  await engine.service.syncNowAndWait(key);
  expect((await engine.sink.readConnection(key))?.business).toEqual({ status: 'connected', error: null });
});

test('revoking the business grant at TikTok ends it there; its token never appears in plaintext in Firestore', async () => {
  const { key } = await connectBoth();
  const tokens = (await businessTokens.load(key))!;
  const raw = JSON.stringify(
    (await engine.firestore.db.doc(`_tokens/tiktok+business:${key.userId}`).get()).data(),
  );
  expect(raw).not.toContain(tokens.accessToken);
  expect(raw).not.toContain(tokens.refreshToken!);
  const userDocs = await engine.firestore.db.collection(`users/${key.userId}/platforms`).get();
  for (const d of userDocs.docs) expect(JSON.stringify(d.data())).not.toContain(tokens.accessToken);

  expect(await engine.connector.business!.oauth.revoke(tokens)).toBe(true);
  await expect(engine.connector.business!.oauth.refresh(tokens)).rejects.toMatchObject({
    kind: 'reauth_required',
  });
});

test('key rotation re-encrypts business tokens in their slot; they stay readable only there', async () => {
  const { key } = await connectBoth();
  const tokens = (await businessTokens.load(key))!;
  const keyring = [
    { kid: 'k2', key: Buffer.alloc(32, 8) },
    { kid: 'k1', key: Buffer.alloc(32, 7) },
  ];
  const rotated = createTokenStore({ db: engine.firestore.db, keyring });
  expect(await rotated.rotateKeys()).toBeGreaterThanOrEqual(2);
  const doc = (await engine.firestore.db.doc(`_tokens/tiktok+business:${key.userId}`).get()).data();
  expect(doc).toMatchObject({ kid: 'k2', slot: 'business', userId: key.userId, platform: 'tiktok' });
  expect(await rotated.forSlot('business').load(key)).toEqual(tokens);
  // The Login Kit slot and the business slot never read each other's documents.
  expect((await rotated.load(key))?.accessToken).not.toBe(tokens.accessToken);
  // Back to the harness's key, so the workers (keyring k1 only) read every token again.
  await createTokenStore({ db: engine.firestore.db, keyring: [keyring[1]!, keyring[0]!] }).rotateKeys();
  expect(await businessTokens.load(key)).toEqual(tokens);
});
