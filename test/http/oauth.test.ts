/**
 * The OAuth connect flow end to end, per platform: the user's browser asks for the authorize URL, the sandbox
 * consent (auto-approved) redirects to our callback, which exchanges the code, stores encrypted tokens, indexes the
 * account, creates the schedule and runs the initial sync on real Temporal workers. Every way the callback can go
 * wrong answers a clear error and changes nothing.
 */
import type { PlatformId } from '../../src/platforms/types';
import { createLogger } from '../../src/shared/logger';
import {
  ADMIN_KEY,
  connectThroughOAuth,
  consentRedirect,
  cookiesFrom,
  eventually,
  HARNESS_PLATFORMS,
  startHttpHarness,
  type HttpHarness,
} from './support/harness';

// Syncs run on real workers; the default 5 s per test is too tight on a shared machine.
jest.setTimeout(60_000);

let h: HttpHarness;
/** Every log line of the service during this file, to prove no secret is ever written. */
const logLines: string[] = [];
/** Secrets seen during the tests: codes, states, tokens, ID tokens. */
const secrets = new Set<string>();

beforeAll(async () => {
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  h = await startHttpHarness({ logger });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const admin = { authorization: `Bearer ${ADMIN_KEY}` };

async function statusOf(userId: string, platform: PlatformId) {
  const res = await fetch(`${h.url}/api/users/${userId}/connections/${platform}`, { headers: admin });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** No tokens, no index entry, no connection document, no schedule: the failed callback left no trace. */
async function expectNothingStored(userId: string, platform: PlatformId, accountIds: string[]) {
  expect(await h.tokenStore.load({ userId, platform })).toBeUndefined();
  expect(await h.syncService.status({ userId, platform })).toBeUndefined();
  for (const accountId of accountIds) {
    expect(await h.accountIndex.find(platform, accountId)).not.toContainEqual({ userId, platform });
  }
  await expect(
    h.temporal.client.schedule.getHandle(`sync:${userId}:${platform}`).describe(),
  ).rejects.toThrow();
}

async function startAuthorization(userId: string, platform: PlatformId): Promise<string> {
  const idToken = await h.userToken(userId);
  secrets.add(idToken);
  const res = await fetch(`${h.url}/api/users/${userId}/connections/${platform}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}` },
  });
  expect(res.status).toBe(200);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  jar.set(new URL(authorizeUrl).searchParams.get('state')!, cookiesFrom(res));
  return authorizeUrl;
}

/** The browser of each started authorization: the binding cookie its start set, by state. */
const jar = new Map<string, string>();

/** GET a callback URL from the browser that started its authorization (carrying that browser's cookie). */
function callback(url: string | URL, init: { headers?: Record<string, string> } = {}): Promise<Response> {
  const state = new URL(url).searchParams.get('state') ?? '';
  const cookie = jar.get(state);
  return fetch(url, { headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
}

describe.each(HARNESS_PLATFORMS)('%s', (platform) => {
  it('connects through the whole OAuth dance and completes the initial sync', async () => {
    const userId = `oauth-ok-${platform}`;
    const authorizeUrl = await startAuthorization(userId, platform);
    const authorize = new URL(authorizeUrl);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.url}/oauth/${platform}/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    const callbackUrl = await consentRedirect(authorizeUrl);
    secrets.add(new URL(callbackUrl).searchParams.get('code')!);
    secrets.add(new URL(callbackUrl).searchParams.get('state')!);
    expect(callbackUrl.startsWith(`${h.url}/oauth/${platform}/callback?`)).toBe(true);
    const callbackRes = await callback(callbackUrl, { headers: { accept: 'application/json' } });
    const body = (await callbackRes.json()) as Record<string, unknown>;
    expect(callbackRes.status).toBe(200);
    expect(body).toMatchObject({ status: 'connected', userId, platform });
    const accountId = body.accountId as string;
    expect(h.sandboxes[platform as keyof typeof h.sandboxes].accountIds()).toContain(accountId);

    const tokens = await h.tokenStore.load({ userId, platform });
    expect(tokens?.accountId).toBe(accountId);
    secrets.add(tokens!.accessToken);
    if (tokens!.refreshToken) secrets.add(tokens!.refreshToken);
    const raw = JSON.stringify((await h.firestore.db.doc(`_tokens/${platform}:${userId}`).get()).data());
    expect(raw).not.toContain(tokens!.accessToken);
    expect(await h.accountIndex.find(platform, accountId)).toContainEqual({ userId, platform });
    const schedule = await h.temporal.client.schedule.getHandle(`sync:${userId}:${platform}`).describe();
    expect(schedule.scheduleId).toBe(`sync:${userId}:${platform}`);

    const active = await eventually('the initial sync to complete', async () => {
      const s = await statusOf(userId, platform);
      return s.body.status === 'active' ? s.body : undefined;
    });
    expect(active.lastSync).toEqual(expect.any(String));
    expect(active.lastSyncMode).toEqual(expect.any(String));

    // Replaying the very same redirect: the state was single use, nothing is exchanged or changed.
    const replay = await callback(callbackUrl, { headers: { accept: 'application/json' } });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toMatch(/state/);
    expect((await h.tokenStore.load({ userId, platform }))?.accessToken).toBe(tokens!.accessToken);
  });

  it('answers a user denial with a clear page and stores nothing', async () => {
    const userId = `oauth-denied-${platform}`;
    const state = new URL(await startAuthorization(userId, platform)).searchParams.get('state')!;
    const res = await callback(
      `${h.url}/oauth/${platform}/callback?error=access_denied&error_description=The+user+denied&state=${state}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const page = await res.text();
    expect(page).toContain('Could not connect');
    expect(page).toContain('access_denied');
    await expectNothingStored(
      userId,
      platform,
      h.sandboxes[platform as keyof typeof h.sandboxes].accountIds(),
    );
  });

  it('refuses a code the platform rejects, and changes nothing', async () => {
    const userId = `oauth-badcode-${platform}`;
    const callbackUrl = new URL(await consentRedirect(await startAuthorization(userId, platform)));
    callbackUrl.searchParams.set('code', `${callbackUrl.searchParams.get('code')}tampered`);
    const res = await callback(callbackUrl, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/refused the authorization code/);
    await expectNothingStored(
      userId,
      platform,
      h.sandboxes[platform as keyof typeof h.sandboxes].accountIds(),
    );
  });
});

it('refuses a state issued for another platform', async () => {
  const userId = 'oauth-crossed';
  const callbackUrl = new URL(await consentRedirect(await startAuthorization(userId, 'twitter')));
  const crossed = new URL(callbackUrl.toString().replace('/oauth/twitter/', '/oauth/tiktok/'));
  const res = await callback(crossed, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/another platform|does not belong/);
  await expectNothingStored(userId, 'twitter', h.sandboxes.twitter.accountIds());
  await expectNothingStored(userId, 'tiktok', h.sandboxes.tiktok.accountIds());

  // The misrouted request did not spend the user's state: the real callback still completes the connect.
  const real = await callback(callbackUrl, { headers: { accept: 'application/json' } });
  expect(real.status).toBe(200);
  expect(await real.json()).toMatchObject({ status: 'connected', userId, platform: 'twitter' });
});

it('refuses an expired state', async () => {
  const userId = 'oauth-expired';
  const callbackUrl = await consentRedirect(await startAuthorization(userId, 'tiktok'));
  h.clock.advance(11 * 60_000);
  const res = await callback(callbackUrl, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/expired/);
  await expectNothingStored(userId, 'tiktok', h.sandboxes.tiktok.accountIds());
});

it('answers malformed callbacks and unknown platforms with errors', async () => {
  const noState = await fetch(`${h.url}/oauth/twitter/callback?code=abc`, {
    headers: { accept: 'application/json' },
  });
  expect(noState.status).toBe(400);
  expect(await noState.json()).toEqual({ error: 'missing state parameter' });
  const unknown = await fetch(`${h.url}/oauth/myspace/callback?code=abc&state=x`, {
    headers: { accept: 'application/json' },
  });
  expect(unknown.status).toBe(404);
  const doubled = await fetch(`${h.url}/oauth/tiktok/callback?code=a&code=b&state=x`, {
    headers: { accept: 'application/json' },
  });
  expect(doubled.status).toBe(400);
});

it('subscribes the Instagram account to webhooks on connect; a refused subscription keeps the connection', async () => {
  const sandbox = h.sandboxes.instagram;
  const ok = await connectThroughOAuth(h, 'instagram', 'oauth-hooks-1');
  expect(ok.status).toBe(200);
  const accountId = ok.body.accountId as string;
  // Routed by the professional account id of `/me?fields=user_id`: the id webhook entries carry.
  expect(accountId).toBe(sandbox.accountIds()[0]);
  expect(await h.accountIndex.find('instagram', accountId)).toContainEqual({
    userId: 'oauth-hooks-1',
    platform: 'instagram',
  });
  expect(await h.accountIndex.find('instagram', sandbox.appScopedId(accountId))).toEqual([]);
  expect(sandbox.subscribedFields(accountId)).toEqual(['comments', 'mentions']);
  const [subscribe] = sandbox.log
    .all({ endpoint: 'POST /{ig-user-id}/subscribed_apps' })
    .filter((r) => r.path.endsWith(`/${accountId}/subscribed_apps`));
  expect(subscribe!.query.subscribed_fields).toBe('comments,mentions');
  const firstDoc = h.firestore.db.doc('users/oauth-hooks-1/platforms/instagram');
  expect((await firstDoc.get()).get('webhooks')).toEqual({ subscribed: true, error: null });

  // Meta fails the subscription call: the connection is kept, the failure recorded, the scheduled sync covers.
  sandbox.login(sandbox.accountIds()[1]!);
  try {
    sandbox.faults.add({ endpoint: 'POST /{ig-user-id}/subscribed_apps', status: 500, times: 1 });
    const refused = await connectThroughOAuth(h, 'instagram', 'oauth-hooks-2');
    expect(refused.status).toBe(200);
    const key = { userId: 'oauth-hooks-2', platform: 'instagram' as const };
    expect(await h.tokenStore.load(key)).toBeDefined();
    const doc = h.firestore.db.doc('users/oauth-hooks-2/platforms/instagram');
    expect((await doc.get()).get('webhooks')).toEqual({
      subscribed: false,
      error: expect.stringContaining('unexpected error'),
    });
    expect(sandbox.subscribedFields(sandbox.accountIds()[1]!)).toEqual([]);
    await eventually('the initial sync despite the failed subscription', async () => {
      const status = await h.syncService.status(key);
      return status?.status === 'active';
    });
  } finally {
    sandbox.login(sandbox.accountIds()[0]!);
  }
});

it('connects the same account again for a second user (both indexed)', async () => {
  const first = await connectThroughOAuth(h, 'tiktok', 'oauth-shared-1');
  const second = await connectThroughOAuth(h, 'tiktok', 'oauth-shared-2');
  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  expect(second.body.accountId).toBe(first.body.accountId);
  const keys = await h.accountIndex.find('tiktok', first.body.accountId as string);
  expect(keys).toEqual(
    expect.arrayContaining([
      { userId: 'oauth-shared-1', platform: 'tiktok' },
      { userId: 'oauth-shared-2', platform: 'tiktok' },
    ]),
  );
});

it('never logs codes, states, tokens, ID tokens or the admin key (runs last)', async () => {
  const statusRes = await fetch(`${h.url}/api/users/oauth-ok-tiktok/connections/tiktok`, { headers: admin });
  expect(statusRes.status).toBe(200);
  secrets.add(ADMIN_KEY);
  const logs = logLines.join('');
  expect(logs).toContain('/oauth/twitter/callback?');
  expect(logs).toMatch(/code=\[Redacted\]/);
  expect(secrets.size).toBeGreaterThanOrEqual(8);
  for (const secret of secrets) expect(logs.includes(secret)).toBe(false);
  expect(logs.toLowerCase()).not.toContain('bearer ');
});
