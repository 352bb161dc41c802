/**
 * The TikTok Business authorization over the real HTTP service: connect (start → consent at the sandbox →
 * callback bound to the starting browser), the sync it starts, disconnecting only the business grant, and the
 * whole connection's disconnect revoking it too. Wrong states, missing cookies and unconnected users change nothing.
 */
import {
  eventually,
  ADMIN_KEY,
  connectThroughOAuth,
  consentRedirect,
  cookiesFrom,
  startHttpHarness,
  type HttpHarness,
} from './support/harness';

jest.setTimeout(90_000);

let h: HttpHarness;
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

beforeAll(async () => {
  h = await startHttpHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const businessPath = (userId: string) => `${h.url}/api/users/${userId}/connections/tiktok/business`;

/** As the user's browser: start the business connect; returns the authorize URL and the binding cookie. */
async function startBusiness(userId: string): Promise<{ authorizeUrl: string; cookie: string }> {
  const res = await fetch(businessPath(userId), {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.userToken(userId)}` },
  });
  expect(res.status).toBe(200);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  return { authorizeUrl, cookie: cookiesFrom(res) };
}

async function connectTikTok(userId: string, accountIndex: number): Promise<string> {
  const accountId = h.sandboxes.tiktok.accountIds()[accountIndex]!;
  h.sandboxes.tiktok.control.login(accountId);
  const connected = await connectThroughOAuth(h, 'tiktok', userId);
  expect(connected.status).toBe(200);
  return accountId;
}

async function connectBusiness(userId: string) {
  const { authorizeUrl, cookie } = await startBusiness(userId);
  const callbackUrl = await consentRedirect(authorizeUrl);
  expect(new URL(callbackUrl).pathname).toBe('/oauth/tiktok/business/callback/');
  const res = await fetch(callbackUrl, { headers: { accept: 'application/json', cookie } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const businessStore = () => h.tokenStore.forSlot!('business');

test('no TikTok connection: the business connect is 404 and nothing is stored', async () => {
  const res = await fetch(businessPath('biz-nobody'), { method: 'POST', headers: admin });
  expect(res.status).toBe(404);
  expect(await businessStore().load({ userId: 'biz-nobody', platform: 'tiktok' })).toBeUndefined();
});

test('connect: the grant is stored encrypted in its slot, the sync brings audience and daily history', async () => {
  const userId = 'biz-alice';
  const accountId = await connectTikTok(userId, 0);
  const connected = await connectBusiness(userId);
  expect(connected).toMatchObject({ status: 200, body: { status: 'connected', slot: 'business', userId } });
  const key = { userId, platform: 'tiktok' as const };
  const tokens = await businessStore().load(key);
  expect(tokens?.accountId).toBe(h.sandboxes.tiktok.control.businessGroundTruth(accountId).businessId);
  // The Login Kit grant is untouched.
  expect((await h.tokenStore.load(key))?.accountId).toBe(accountId);
  const doc = await eventually('the audience after the business connect', async () => {
    const d = await h.sink.readConnection(key);
    return d?.audience ? d : undefined;
  });
  expect(doc.business).toEqual({ status: 'connected', error: null });
  expect(doc.audience).toEqual(h.sandboxes.tiktok.control.businessGroundTruth(accountId).audience);
  const daily = await h.firestore.db.collection(`users/${userId}/platforms/tiktok/insights`).get();
  expect(daily.size).toBeGreaterThan(0);
});

test('the callback refuses another browser and a state of the other TikTok callback; nothing is stored', async () => {
  const userId = 'biz-bob';
  await connectTikTok(userId, 1);
  const key = { userId, platform: 'tiktok' as const };

  const first = await startBusiness(userId);
  const noCookie = await fetch(await consentRedirect(first.authorizeUrl), {
    headers: { accept: 'application/json' },
  });
  expect(noCookie.status).toBe(403);

  // A state of the Login Kit connect is not one of this callback, and the reverse.
  const loginStart = await fetch(`${h.url}/api/users/${userId}/connections/tiktok`, {
    method: 'POST',
    headers: admin,
  });
  const { authorizeUrl: loginUrl } = (await loginStart.json()) as { authorizeUrl: string };
  const loginState = new URL(loginUrl).searchParams.get('state')!;
  const crossed = await fetch(`${h.url}/oauth/tiktok/business/callback/?state=${loginState}&code=x`, {
    headers: { accept: 'application/json', cookie: cookiesFrom(loginStart) },
  });
  expect(crossed.status).toBe(400);
  const second = await startBusiness(userId);
  const businessState = new URL(second.authorizeUrl).searchParams.get('state')!;
  const reverse = await fetch(`${h.url}/oauth/tiktok/callback?state=${businessState}&code=x`, {
    headers: { accept: 'application/json' },
  });
  expect(reverse.status).toBe(400);
  expect(await businessStore().load(key)).toBeUndefined();
  expect((await h.sink.readConnection(key))?.business).toBeUndefined();
});

test('disconnect only the business grant: revoked at TikTok, deleted here, the connection stays', async () => {
  const userId = 'biz-carol';
  await connectTikTok(userId, 2);
  expect((await connectBusiness(userId)).status).toBe(200);
  const key = { userId, platform: 'tiktok' as const };
  const tokens = (await businessStore().load(key))!;

  const res = await fetch(businessPath(userId), { method: 'DELETE', headers: admin });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'disconnected', revoked: true });
  expect(await businessStore().load(key)).toBeUndefined();
  expect((await h.sink.readConnection(key))?.business).toEqual({ status: 'disconnected', error: null });
  await expect(h.connectors.tiktok!.business!.oauth.refresh(tokens)).rejects.toMatchObject({
    kind: 'reauth_required',
  });
  expect((await h.syncService.status(key))?.status).not.toBe('disconnected');
  expect((await fetch(businessPath(userId), { method: 'DELETE', headers: admin })).status).toBe(404);
});

test('disconnecting the TikTok connection revokes the business grant too', async () => {
  const userId = 'biz-dave';
  await connectTikTok(userId, 0);
  expect((await connectBusiness(userId)).status).toBe(200);
  const key = { userId, platform: 'tiktok' as const };
  const tokens = (await businessStore().load(key))!;
  const res = await fetch(`${h.url}/api/users/${userId}/connections/tiktok`, {
    method: 'DELETE',
    headers: admin,
  });
  expect(res.status).toBe(200);
  expect(await businessStore().load(key)).toBeUndefined();
  await expect(h.connectors.tiktok!.business!.oauth.refresh(tokens)).rejects.toMatchObject({
    kind: 'reauth_required',
  });
});

test('bad input on the business routes: clear errors, nothing stored', async () => {
  const key = { userId: 'biz-alice', platform: 'tiktok' as const };
  const before = await businessStore().load(key);
  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${h.url}${path}`, { method: 'POST', ...init });
  expect((await post('/api/users/biz-alice/connections/tiktok/business')).status).toBe(401);
  expect((await post('/api/users/biz-alice/connections/instagram/business', { headers: admin })).status).toBe(
    404,
  );
  expect((await post('/api/users/__x__/connections/tiktok/business', { headers: admin })).status).toBe(400);
  const badBody = await post('/api/users/biz-alice/connections/tiktok/business', {
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'everything' }),
  });
  expect(badBody.status).toBe(400);
  const unbound = await post('/api/users/biz-alice/connections/tiktok/business', {
    headers: {
      authorization: `Bearer ${await h.userToken('biz-alice')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ bindBrowser: false }),
  });
  expect(unbound.status).toBe(403);
  for (const query of [
    '',
    '?state=nope&code=x',
    '?state=a&error=access_denied',
    `?state=${'x'.repeat(600)}`,
  ]) {
    const res = await fetch(`${h.url}/oauth/tiktok/business/callback/${query}`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
  }
  expect(await businessStore().load(key)).toEqual(before);
});
