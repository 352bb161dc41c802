/**
 * The management API against the real engine: who may call it (admin key, the user's own Firebase ID token,
 * nobody else), input validation, status, "sync now" (async and waiting for the summary) and disconnect.
 */
import type { PlatformId } from '../../src/platforms/types';
import {
  ADMIN_KEY,
  connectThroughOAuth,
  eventually,
  startHttpHarness,
  type HttpHarness,
} from './support/harness';

// Syncs run on real workers; the default 5 s per test is too tight on a shared machine.
jest.setTimeout(60_000);

let h: HttpHarness;
const ALICE = 'mgmt-alice';
const BOB = 'mgmt-bob';

beforeAll(async () => {
  h = await startHttpHarness();
  for (const [userId, platform] of [
    [ALICE, 'twitter'],
    [BOB, 'twitter'],
    [ALICE, 'tiktok'],
  ] as [string, PlatformId][]) {
    const res = await connectThroughOAuth(h, platform, userId);
    if (res.status !== 200) throw new Error(`setup connect failed: ${JSON.stringify(res.body)}`);
  }
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The emulator's ID tokens are unsigned (alg "none"): the same token with some claims changed, as a client could. */
function withClaims(idToken: string, claims: Record<string, unknown>): string {
  const [header, payload] = idToken.split('.');
  const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...decoded, ...claims })).toString('base64url')}.`;
}

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

const activeStatus = (userId: string, platform: PlatformId) =>
  eventually(`${userId}/${platform} to be active`, async () => {
    const s = await call('GET', `/api/users/${userId}/connections/${platform}`, admin);
    return s.body.status === 'active' ? s.body : undefined;
  });

describe('authentication', () => {
  it('lets a user read their own connection with their Firebase ID token', async () => {
    await activeStatus(ALICE, 'twitter');
    const res = await call(
      'GET',
      `/api/users/${ALICE}/connections/twitter`,
      bearer(await h.userToken(ALICE)),
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('active');
  });

  it("refuses a user's token on another user's connection (403) for every route", async () => {
    const aliceToken = bearer(await h.userToken(ALICE));
    const routes: [string, string][] = [
      ['GET', `/api/users/${BOB}/connections/twitter`],
      ['POST', `/api/users/${BOB}/connections/twitter/sync`],
      ['DELETE', `/api/users/${BOB}/connections/twitter`],
      ['POST', `/api/users/${BOB}/connections/twitter`],
    ];
    for (const [method, path] of routes) {
      const res = await call(method, path, aliceToken);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // Bob's connection is untouched.
    expect(await h.tokenStore.load({ userId: BOB, platform: 'twitter' })).toBeDefined();
  });

  it('answers 401 without credentials or with an invalid, expired, foreign-project, revoked, disabled or deleted user token', async () => {
    const path = `/api/users/${ALICE}/connections/twitter`;
    // Real emulator tokens whose user was then revoked, disabled or deleted in the emulator.
    const revokedToken = await h.auth.signIn('mgmt-revoked');
    await h.auth.revokeTokens('mgmt-revoked');
    const disabledToken = await h.auth.signIn('mgmt-disabled');
    await h.auth.disableUser('mgmt-disabled');
    const deletedToken = await h.auth.signIn('mgmt-deleted');
    await h.auth.deleteUser('mgmt-deleted');
    const aliceToken = await h.auth.signIn(ALICE);
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, Record<string, string>> = {
      none: {},
      basic: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      garbage: bearer('not-a-jwt'),
      wrongAdminKey: bearer(`${ADMIN_KEY}x`),
      expired: bearer(withClaims(aliceToken, { iat: now - 7200, exp: now - 60 })),
      otherProject: bearer(withClaims(aliceToken, { aud: 'someone-elses-project' })),
      unknownUser: bearer(deletedToken),
    };
    for (const [name, headers] of Object.entries(cases)) {
      const res = await call('GET', path, headers);
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    const revoked = await call('GET', `/api/users/mgmt-revoked/connections/twitter`, bearer(revokedToken));
    expect(revoked.status).toBe(401);
    const disabled = await call('GET', `/api/users/mgmt-disabled/connections/twitter`, bearer(disabledToken));
    expect(disabled.status).toBe(401);
    // The same user's fresh token is accepted: the 401s above are about the tokens, not the route.
    expect((await call('GET', path, bearer(aliceToken))).status).toBe(200);
  });
});

describe('validation', () => {
  it('answers 404 for unknown platforms and connections, 400 with the reason for bad input', async () => {
    expect((await call('GET', `/api/users/${ALICE}/connections/myspace`, admin)).status).toBe(404);
    expect((await call('GET', `/api/users/${ALICE}/connections/instagram`, admin)).status).toBe(404); // not connected
    expect((await call('DELETE', `/api/users/${ALICE}/connections/Twitter`, admin)).status).toBe(404);
    expect((await call('GET', `/api/users/nobody/connections/tiktok`, admin)).status).toBe(404);
    expect((await call('POST', `/api/users/nobody/connections/tiktok/sync`, admin)).status).toBe(404);

    const badUser = await call('GET', `/api/users/__reserved__/connections/tiktok`, admin);
    expect(badUser.status).toBe(400);
    expect(badUser.body.error).toMatch(/userId/);
    const badWait = await call('POST', `/api/users/${ALICE}/connections/tiktok/sync?wait=soon`, admin);
    expect(badWait).toMatchObject({ status: 400, body: { error: expect.stringMatching(/wait/) } });
    const badMode = await call(
      'POST',
      `/api/users/${ALICE}/connections/tiktok/sync`,
      admin,
      '{"mode":"turbo"}',
    );
    expect(badMode).toMatchObject({ status: 400, body: { error: expect.stringMatching(/mode/) } });
    const extra = await call(
      'POST',
      `/api/users/${ALICE}/connections/tiktok`,
      admin,
      '{"redirect":"https://evil"}',
    );
    expect(extra).toMatchObject({ status: 400, body: { error: expect.stringMatching(/redirect/) } });
    const broken = await call('POST', `/api/users/${ALICE}/connections/tiktok/sync`, admin, '{"mode":');
    expect(broken).toMatchObject({ status: 400, body: { error: 'malformed request body' } });
    const huge = await call(
      'POST',
      `/api/users/${ALICE}/connections/tiktok/sync`,
      admin,
      JSON.stringify({ mode: 'x'.repeat(20_000) }),
    );
    expect(huge.status).toBe(413);
  });
});

describe('status and sync', () => {
  it('reports the status shape of the public contract', async () => {
    const status = await activeStatus(ALICE, 'tiktok');
    expect(Object.keys(status).sort()).toEqual([
      'counts',
      'lastSync',
      'lastSyncMode',
      'nextSyncAt',
      'status',
    ]);
    expect(new Date(status.lastSync as string).toString()).not.toBe('Invalid Date');
    expect(new Date(status.nextSyncAt as string).getTime()).toBeGreaterThan(Date.now());
    expect((status.counts as Record<string, number>).videos).toBe(8);
  });

  it('starts a manual sync (202) and, with wait=true, answers its summary', async () => {
    await activeStatus(ALICE, 'tiktok');
    const started = await call(
      'POST',
      `/api/users/${ALICE}/connections/tiktok/sync`,
      bearer(await h.userToken(ALICE)),
    );
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ workflowId: expect.any(String), runId: expect.any(String) });

    const waited = await call(
      'POST',
      `/api/users/${ALICE}/connections/tiktok/sync?wait=true`,
      admin,
      '{"mode":"manual"}',
    );
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ userId: ALICE, platform: 'tiktok', mode: 'manual' });
    expect(waited.body).toEqual(
      expect.objectContaining({
        itemsWritten: expect.any(Number),
        calls: expect.any(Number),
        durationMs: expect.any(Number),
      }),
    );
    expect(waited.body.workflowId).not.toBe(started.body.workflowId);
  });
});

describe('disconnect', () => {
  it('revokes, deletes tokens, index entry and schedule, and marks the connection disconnected', async () => {
    await activeStatus(BOB, 'twitter');
    const tokens = (await h.tokenStore.load({ userId: BOB, platform: 'twitter' }))!;
    const res = await call('DELETE', `/api/users/${BOB}/connections/twitter`, bearer(await h.userToken(BOB)));
    expect(res).toEqual({ status: 200, body: { status: 'disconnected', revoked: true } });

    expect(await h.tokenStore.load({ userId: BOB, platform: 'twitter' })).toBeUndefined();
    expect(await h.accountIndex.find('twitter', tokens.accountId)).not.toContainEqual({
      userId: BOB,
      platform: 'twitter',
    });
    await expect(h.temporal.client.schedule.getHandle(`sync:${BOB}:twitter`).describe()).rejects.toThrow();
    // The token no longer works at the platform.
    const me = await fetch(`${h.config.TWITTER_API_URL}/2/users/me`, { headers: bearer(tokens.accessToken) });
    expect(me.status).toBe(401);

    const after = await call('GET', `/api/users/${BOB}/connections/twitter`, admin);
    expect(after.body.status).toBe('disconnected');
    expect((await call('DELETE', `/api/users/${BOB}/connections/twitter`, admin)).status).toBe(404);
    expect((await call('POST', `/api/users/${BOB}/connections/twitter/sync`, admin)).status).toBe(404);
  });
});

describe('disconnect removes the webhook subscription', () => {
  it('unsubscribes the Instagram account (subscribed_apps DELETE) before the tokens go', async () => {
    const userId = 'mgmt-dave';
    const connected = await connectThroughOAuth(h, 'instagram', userId);
    expect(connected.status).toBe(200);
    const accountId = connected.body.accountId as string;
    expect(h.sandboxes.instagram.subscribedFields(accountId)).toEqual(['comments', 'mentions']);
    const doc = h.firestore.db.doc(`users/${userId}/platforms/instagram`);
    expect((await doc.get()).get('webhooks')).toEqual({ subscribed: true, error: null });
    const tokens = (await h.tokenStore.load({ userId, platform: 'instagram' }))!;

    const res = await call('DELETE', `/api/users/${userId}/connections/instagram`, admin);
    expect(res).toEqual({ status: 200, body: { status: 'disconnected', revoked: false } });
    expect(h.sandboxes.instagram.subscribedFields(accountId)).toEqual([]);
    const [removed] = h.sandboxes.instagram.log
      .all({ endpoint: 'DELETE /{ig-user-id}/subscribed_apps' })
      .filter((r) => r.query.access_token === tokens.accessToken);
    expect(removed!.status).toBe(200);
    expect((await doc.get()).get('webhooks')).toEqual({ subscribed: false, error: null });
    expect(await h.tokenStore.load({ userId, platform: 'instagram' })).toBeUndefined();
  });

  it('a failed unsubscription (platform outage) is logged and the disconnect still completes', async () => {
    const userId = 'mgmt-erin';
    const connected = await connectThroughOAuth(h, 'instagram', userId);
    expect(connected.status).toBe(200);
    h.sandboxes.instagram.faults.add({
      endpoint: 'DELETE /{ig-user-id}/subscribed_apps',
      status: 503,
      times: 1,
    });
    const res = await call('DELETE', `/api/users/${userId}/connections/instagram`, admin);
    expect(res).toEqual({ status: 200, body: { status: 'disconnected', revoked: false } });
    expect(await h.tokenStore.load({ userId, platform: 'instagram' })).toBeUndefined();
    expect((await call('GET', `/api/users/${userId}/connections/instagram`, admin)).body.status).toBe(
      'disconnected',
    );
  });
});

describe('needs re-authorization', () => {
  it('refuses syncs with 409 while the consent is gone, and the OAuth flow brings the connection back', async () => {
    const userId = 'mgmt-carol';
    const connected = await connectThroughOAuth(h, 'instagram', userId);
    expect(connected.status).toBe(200);
    await activeStatus(userId, 'instagram');

    const accountId = connected.body.accountId as string;
    expect(h.sandboxes.instagram.subscribedFields(accountId)).toEqual(['comments', 'mentions']);
    // The user removes the app at Instagram: every token of the account is dead (OAuthException 190/458), and Meta
    // drops the app's webhook subscription for the account.
    h.sandboxes.instagram.revoke(accountId);
    expect(h.sandboxes.instagram.subscribedFields(accountId)).toEqual([]);
    const failed = await call('POST', `/api/users/${userId}/connections/instagram/sync?wait=true`, admin);
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatch(/^the sync failed: .*not authorized/);
    const reauth = await eventually('needs_reauth', async () => {
      const s = await call('GET', `/api/users/${userId}/connections/instagram`, admin);
      return s.body.status === 'needs_reauth' ? s.body : undefined;
    });
    expect(reauth.error).toEqual(expect.any(String));
    const refused = await call('POST', `/api/users/${userId}/connections/instagram/sync`, admin);
    expect(refused.status).toBe(409);

    const again = await connectThroughOAuth(h, 'instagram', userId);
    expect(again.status).toBe(200);
    // The reconnect subscribed the account again.
    expect(h.sandboxes.instagram.subscribedFields(accountId)).toEqual(['comments', 'mentions']);
    await activeStatus(userId, 'instagram');
    expect((await call('POST', `/api/users/${userId}/connections/instagram/sync`, admin)).status).toBe(202);
  });
});
