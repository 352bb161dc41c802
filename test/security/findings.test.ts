/**
 * The findings of issue 14's security review, each proven on the real app (real Firestore emulator, Temporal dev
 * server with workers, Auth emulator, sandboxes over HTTP). Every test names its finding and fails without its fix.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import express from 'express';
import { ConfigError, loadConfig } from '../../src/config';
import type { WebhookEvent } from '../../src/platforms/types';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createLogger } from '../../src/shared/logger';
import type { SyncService } from '../../src/sync/service';
import { createTemporalSyncService } from '../../src/sync/temporal-sync-service';
import { temporalReadiness } from '../../src/webhooks';
import { ConnectFlow } from '../../src/webhooks/connect-flow';
import {
  dashboardRouter,
  firestoreDashboardReader,
  firestoreTopItems,
  type DashboardDeps,
} from '../../src/webhooks/pages';
import type { ConnectionKey } from '../../src/domain';
import {
  ADMIN_KEY,
  connectThroughOAuth,
  consentRedirect,
  cookiesFrom,
  eventually,
  startHttpHarness,
  type HttpHarness,
} from '../http/support/harness';

jest.setTimeout(90_000);

let h: HttpHarness;
let receiver: RunningServer;
const logLines: string[] = [];
const ALICE = 'sec-alice';
let tiktokAccount: string;
const handedOver: { key: ConnectionKey; events: WebhookEvent[] }[] = [];
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

function recording(service: SyncService): SyncService {
  return {
    ...service,
    async deliverWebhookEvents(key, events) {
      await service.deliverWebhookEvents(key, events);
      handedOver.push({ key, events });
    },
  };
}

beforeAll(async () => {
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  h = await startHttpHarness({ logger });
  const tiktok = await connectThroughOAuth(h, 'tiktok', ALICE);
  if (tiktok.status !== 200) throw new Error(`setup connect failed: ${JSON.stringify(tiktok.body)}`);
  tiktokAccount = tiktok.body.accountId as string;
  receiver = await listen(h.appWith({ syncService: recording(h.syncService) }));
  await eventually('the initial sync', async () => {
    const s = await h.syncService.status({ userId: ALICE, platform: 'tiktok' });
    return s?.status === 'active';
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

function tiktokDelivery(body: Record<string, unknown>): { body: string; headers: Record<string, string> } {
  const raw = JSON.stringify({ client_key: h.sandboxes.tiktok.credentials.clientId, ...body });
  const t = Math.floor(Date.now() / 1000);
  const s = createHmac('sha256', h.sandboxes.tiktok.credentials.clientSecret)
    .update(`${t}.${raw}`)
    .digest('hex');
  return { body: raw, headers: { 'content-type': 'application/json', 'tiktok-signature': `t=${t},s=${s}` } };
}

async function postTikTok(url: string, body: Record<string, unknown>) {
  const d = tiktokDelivery(body);
  const res = await fetch(`${url}/webhooks/tiktok`, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('finding 2: item ids that cannot be document ids', () => {
  it('are dropped at intake (never signalled) and later syncs of the connection keep working', async () => {
    const before = handedOver.length;
    const bad = ['__evil__', '..', '.', 'a/b', 'x'.repeat(1501)];
    for (const videoId of bad) {
      const res = await postTikTok(receiver.url, {
        event: 'video.publish.completed',
        create_time: Math.floor(Date.now() / 1000),
        user_openid: tiktokAccount,
        content: JSON.stringify({ video_id: videoId }),
      });
      expect(res).toEqual({ status: 200, body: { received: 1, delivered: 0, duplicates: 0 } });
    }
    expect(handedOver.length).toBe(before);
    expect(logLines.join('')).toContain('item id that cannot be a document id dropped');

    const sync = await fetch(`${h.url}/api/users/${ALICE}/connections/tiktok/sync?wait=true`, {
      method: 'POST',
      headers: admin,
    });
    expect(sync.status).toBe(200);
    expect(((await sync.json()) as { mode?: string }).mode).toBeDefined();
  });
});

describe('finding 3: account-linking CSRF', () => {
  const start = async (userId: string, bearer: string, body?: unknown) =>
    fetch(`${h.url}/api/users/${userId}/connections/tiktok`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("a victim's browser cannot finish an attacker's connect: clear page, nothing stored, state spent", async () => {
    const attacker = 'sec-attacker';
    const res = await start(attacker, await h.userToken(attacker));
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/socialsync_oauth_tiktok=[A-Za-z0-9_-]{43}/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/oauth/tiktok/callback');
    const json = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['authorizeUrl']);
    const callbackUrl = await consentRedirect(json.authorizeUrl as string);

    // The victim opens the link: their browser has no binding cookie.
    const victim = await fetch(callbackUrl);
    expect(victim.status).toBe(403);
    const page = await victim.text();
    expect(page).toContain('Could not connect');
    expect(page).toContain('this browser did not start this connection');
    expect(await h.tokenStore.load({ userId: attacker, platform: 'tiktok' })).toBeUndefined();
    expect(await h.syncService.status({ userId: attacker, platform: 'tiktok' })).toBeUndefined();
    // Spent: the attacker, cookie in hand, cannot complete it with the victim's code afterwards.
    const replay = await fetch(callbackUrl, {
      headers: { accept: 'application/json', cookie: cookiesFrom(res) },
    });
    expect(replay.status).toBe(400);
    expect(await h.tokenStore.load({ userId: attacker, platform: 'tiktok' })).toBeUndefined();
  });

  it('the admin hand-off: the admin key gets the cookie to present, or asks for an unbound state explicitly', async () => {
    const bound = await start('sec-handoff-1', ADMIN_KEY);
    const { authorizeUrl, callbackCookie } = (await bound.json()) as Record<string, string>;
    expect(callbackCookie).toMatch(/^socialsync_oauth_tiktok=[A-Za-z0-9_-]{43}$/);
    const ok = await fetch(await consentRedirect(authorizeUrl!), {
      headers: { accept: 'application/json', cookie: callbackCookie! },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.getSetCookie().join('\n')).toMatch(/socialsync_oauth_tiktok=;.*Max-Age=0/);

    const unbound = await start('sec-handoff-2', ADMIN_KEY, { bindBrowser: false });
    expect(unbound.headers.getSetCookie()).toEqual([]);
    const body = (await unbound.json()) as Record<string, string>;
    const anyBrowser = await fetch(await consentRedirect(body.authorizeUrl!), {
      headers: { accept: 'application/json' },
    });
    expect(anyBrowser.status).toBe(200);

    // An end user cannot opt out of the binding.
    const user = 'sec-handoff-3';
    const refused = await start(user, await h.userToken(user), { bindBrowser: false });
    expect(refused.status).toBe(403);
  });
});

describe('finding 3: the dashboard connect button', () => {
  it("binds the connect to the operator's browser: with its cookie the callback connects, without it nothing", async () => {
    const server = await startDashboard();
    try {
      const login = await fetch(`${server.url}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key: ADMIN_KEY }),
      });
      const session = cookiesFrom(login);
      const connect = async () => {
        const res = await fetch(`${server.url}/ui/users/sec-dashboard/connect/tiktok`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: session },
        });
        expect(res.status).toBe(303);
        return {
          binding: cookiesFrom(res),
          callbackUrl: await consentRedirect(res.headers.get('location')!),
        };
      };
      const first = await connect();
      expect(first.binding).toMatch(/^socialsync_oauth_tiktok=[A-Za-z0-9_-]{43}$/);
      const elsewhere = await fetch(first.callbackUrl, { headers: { accept: 'application/json' } });
      expect(elsewhere.status).toBe(403);
      expect(await h.tokenStore.load({ userId: 'sec-dashboard', platform: 'tiktok' })).toBeUndefined();

      const second = await connect();
      const ok = await fetch(second.callbackUrl, {
        headers: { accept: 'application/json', cookie: second.binding },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ status: 'connected', userId: 'sec-dashboard' });
    } finally {
      await server.close();
    }
  });
});

// The unit test in src/webhooks/auth.test.ts proves `checkRevoked` is asked for: firebase-admin always checks
// revocation against the Auth emulator, so here the real emulator shows the end-to-end behaviour.
describe('finding 4: revoked and disabled Firebase users', () => {
  it('answers 401 once the refresh tokens are revoked or the user is disabled', async () => {
    const call = (uid: string, token: string) =>
      fetch(`${h.url}/api/users/${uid}/connections/tiktok`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const revokedToken = await h.userToken('sec-revoked');
    expect((await call('sec-revoked', revokedToken)).status).toBe(404);
    await h.auth.revokeTokens('sec-revoked');
    expect((await call('sec-revoked', revokedToken)).status).toBe(401);

    const disabledToken = await h.userToken('sec-disabled');
    expect((await call('sec-disabled', disabledToken)).status).toBe(404);
    await h.auth.disableUser('sec-disabled');
    expect((await call('sec-disabled', disabledToken)).status).toBe(401);
  });
});

describe('finding 5: a token that cannot be decrypted', () => {
  const corrupt = async (userId: string, change: Record<string, unknown>) =>
    h.firestore.db.doc(`_tokens/tiktok:${userId}`).update(change);

  it('does not block the reconnect (overwritten) nor the disconnect (deleted)', async () => {
    const user = 'sec-undecryptable';
    expect((await connectThroughOAuth(h, 'tiktok', user)).status).toBe(200);
    // The key it was sealed with left the keyring.
    await corrupt(user, { kid: 'retired-key' });
    await expect(h.tokenStore.load({ userId: user, platform: 'tiktok' })).rejects.toThrow(/keyring|key/);
    const again = await connectThroughOAuth(h, 'tiktok', user);
    expect(again.status).toBe(200);
    expect((await h.tokenStore.load({ userId: user, platform: 'tiktok' }))?.accountId).toBe(
      again.body.accountId,
    );

    // Corrupted ciphertext, then disconnect.
    await corrupt(user, { tag: Buffer.alloc(16, 7).toString('base64') });
    const del = await fetch(`${h.url}/api/users/${user}/connections/tiktok`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ status: 'disconnected', revoked: false });
    expect((await h.firestore.db.doc(`_tokens/tiktok:${user}`).get()).exists).toBe(false);
    const logs = logLines.join('');
    expect(logs).toContain('stored token cannot be decrypted; treated as absent');
  });
});

describe('finding 7: rate limits, admin key length, wait deadline', () => {
  it('a client failing to authenticate gets 429 with Retry-After; the admin key still passes', async () => {
    const server = await listen(
      h.appWith({ limits: { authFailuresPerIp: { capacity: 3, refillPerSecond: 0.001 } } }),
    );
    try {
      const guess = () =>
        fetch(`${server.url}/api/users/victim/connections/tiktok`, {
          headers: { authorization: 'Bearer guess' },
        });
      expect([(await guess()).status, (await guess()).status, (await guess()).status]).toEqual([
        401, 401, 401,
      ]);
      const limited = await guess();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const asAdmin = await fetch(`${server.url}/api/users/${ALICE}/connections/tiktok`, { headers: admin });
      expect(asAdmin.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("an end user's connect starts and writes are limited; nothing is written once limited", async () => {
    const server = await listen(
      h.appWith({
        limits: {
          connectStartsPerUser: { capacity: 2, refillPerSecond: 0.001 },
          userWritesPerUser: { capacity: 4, refillPerSecond: 0.001 },
        },
      }),
    );
    try {
      const user = 'sec-limited';
      const token = await h.userToken(user);
      const startConnect = () =>
        fetch(`${server.url}/api/users/${user}/connections/twitter`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
      expect([(await startConnect()).status, (await startConnect()).status]).toEqual([200, 200]);
      const states = async () => (await h.firestore.db.collection('_oauthStates').get()).size;
      const before = await states();
      const third = await startConnect();
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await states()).toBe(before);
      // Every connect start (even the refused one) was also a write: one write left, then 429.
      const del = () =>
        fetch(`${server.url}/api/users/${user}/connections/twitter`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
      expect([(await del()).status, (await del()).status]).toEqual([404, 429]);
      // The admin key is not limited.
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${server.url}/api/users/${user}/connections/twitter`, {
          method: 'POST',
          headers: admin,
        });
        expect(res.status).toBe(200);
      }
    } finally {
      await server.close();
    }
  });

  it('the dashboard login is limited per IP (brute force of the admin key)', async () => {
    const server = await startDashboard({
      rateLimits: { loginPerIp: { capacity: 3, refillPerSecond: 0.001 } },
    });
    try {
      const login = (key: string) =>
        fetch(`${server.url}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key }),
        });
      expect([(await login('a')).status, (await login('b')).status, (await login('c')).status]).toEqual([
        401, 401, 401,
      ]);
      const limited = await login(ADMIN_KEY);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.getSetCookie()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('ADMIN_API_KEY shorter than 32 characters is a configuration error in production', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'short-key-of-24-chars-xx' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ADMIN_API_KEY: must be at least 32 characters/);
    expect(() => attempt()).not.toThrow(/short-key/);
    expect(loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32) }).ADMIN_API_KEY).toHaveLength(
      32,
    );
  });

  it('?wait=true answers 202 with the handle once its deadline passes; the sync goes on', async () => {
    const impatient = createTemporalSyncService({
      client: h.temporal.client,
      sink: h.sink,
      config: { ...h.config, SYNC_WAIT_TIMEOUT: 1 },
      logger: h.deps.logger,
    });
    const server = await listen(h.appWith({ syncService: impatient }));
    try {
      const res = await fetch(`${server.url}/api/users/${ALICE}/connections/tiktok/sync?wait=true`, {
        method: 'POST',
        headers: admin,
      });
      expect(res.status).toBe(202);
      const handle = (await res.json()) as { workflowId: string; runId: string };
      expect(handle.workflowId).toEqual(expect.any(String));
      const result = await h.temporal.client.workflow.getHandle(handle.workflowId, handle.runId).result();
      expect(result).toBeDefined();
    } finally {
      await server.close();
    }
  });
});

describe('finding 8: error paths and ops endpoints', () => {
  it('a malformed %-escape in a path is a 400 and logs no error', async () => {
    const before = logLines.length;
    for (const path of [
      `/api/users/%E0%A4%A/connections/tiktok`,
      `/api/users/%/connections/tiktok/sync`,
      `/oauth/%ZZ/callback?state=x`,
    ]) {
      const res = await fetch(`${h.url}${path}`, {
        method: path.endsWith('sync') ? 'POST' : 'GET',
        headers: admin,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'malformed request path' });
    }
    const errors = logLines.slice(before).filter((l) => /"level":(50|60)/.test(l));
    expect(errors).toEqual([]);
  });

  it('/readyz names a dependency as unavailable without its internal error', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as net.AddressInfo;
        s.close(() => resolve(p));
      });
    });
    const dead = Connection.lazy({
      address: `127.0.0.1:${port}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
    const server = await listen(
      h.appWith({ readiness: [temporalReadiness(dead, 1_000), ...h.deps.readiness.slice(1)] }),
    );
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        status: 'not ready',
        checks: { temporal: 'unavailable', firestore: 'ok' },
      });
      expect(text).not.toContain(String(port));
      expect(logLines.join('')).toContain('not ready');
    } finally {
      await server.close();
      await dead.close().catch(() => undefined);
    }
  });

  it('/metrics wants METRICS_BEARER_TOKEN when one is configured', async () => {
    const token = 'm'.repeat(40);
    const server = await listen(h.appWith({ config: { ...h.config, METRICS_BEARER_TOKEN: token } }));
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('socialsync_http_requests_total');
    } finally {
      await server.close();
    }
  });
});

describe('finding 10: dashboard sessions', () => {
  it('each login gets its own cookie; logout invalidates that cookie even if a browser keeps it', async () => {
    const server = await startDashboard();
    try {
      const login = async () => {
        const res = await fetch(`${server.url}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key: ADMIN_KEY }),
        });
        expect(res.status).toBe(303);
        expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=\d+/);
        return cookiesFrom(res);
      };
      const page = (cookie: string) =>
        fetch(`${server.url}/ui/users/${ALICE}`, { redirect: 'manual', headers: { cookie } });
      const first = await login();
      const second = await login();
      expect(first).not.toBe(second);
      expect((await page(first)).status).toBe(200);
      const logout = await fetch(`${server.url}/ui/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: first },
      });
      expect(logout.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
      // The old cookie, replayed after logout, is refused; the other session is untouched.
      const replayed = await page(first);
      expect(replayed.status).toBe(303);
      expect(replayed.headers.get('location')).toBe('/ui/login');
      expect((await page(second)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('finding 11 (Instagram/TikTok): replays and huge batches', () => {
  it('a correctly signed revocation older than the dedupe window is ignored', async () => {
    const before = handedOver.length;
    const eightDaysAgo = Math.floor(Date.now() / 1000) - 8 * 86_400;
    const res = await postTikTok(receiver.url, {
      event: 'authorization.removed',
      create_time: eightDaysAgo,
      user_openid: tiktokAccount,
      content: JSON.stringify({ reason: 1 }),
    });
    expect(res).toEqual({ status: 200, body: { received: 1, delivered: 0, duplicates: 0 } });
    expect(handedOver.length).toBe(before);
    expect((await h.syncService.status({ userId: ALICE, platform: 'tiktok' }))?.status).not.toBe(
      'needs_reauth',
    );
  });

  it('a huge Meta batch goes to Temporal as several signals below the size limit', async () => {
    const user = 'sec-meta';
    const connected = await connectThroughOAuth(h, 'instagram', user);
    expect(connected.status).toBe(200);
    const account = connected.body.accountId as string;
    const calls: number[] = [];
    const sized: SyncService = {
      ...h.syncService,
      async deliverWebhookEvents(key, events) {
        calls.push(Buffer.byteLength(JSON.stringify(events)));
        await h.syncService.deliverWebhookEvents(key, events);
      },
    };
    const maxBytes = 64 * 1024;
    const server = await listen(
      h.appWith({ syncService: sized, limits: { webhookSignalMaxBytes: maxBytes } }),
    );
    try {
      const time = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        object: 'instagram',
        entry: Array.from({ length: 600 }, (_, i) => ({
          id: account,
          time,
          changes: [
            {
              field: 'comments',
              value: {
                id: `1791${String(i).padStart(8, '0')}`,
                from: { id: '232323232', username: 'fan' },
                text: `comment ${i}`,
                media: { id: `1800000000000${String(i % 50).padStart(4, '0')}`, media_product_type: 'FEED' },
              },
            },
          ],
        })),
      });
      const signature = `sha256=${createHmac('sha256', h.sandboxes.instagram.credentials.clientSecret)
        .update(body)
        .digest('hex')}`;
      const res = await fetch(`${server.url}/webhooks/instagram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: 600, delivered: 600, duplicates: 0 });
      expect(calls.length).toBeGreaterThan(1);
      for (const size of calls) expect(size).toBeLessThanOrEqual(maxBytes);
    } finally {
      await server.close();
    }
  });
});

/** The dashboard alone on its own port, wired to the harness's real store, sync service and connect flow. */
async function startDashboard(overrides: Partial<DashboardDeps> = {}): Promise<RunningServer> {
  const app = express();
  app.use(
    dashboardRouter({
      adminApiKey: ADMIN_KEY,
      secureCookies: false,
      connectors: h.connectors,
      connect: connectFlow(),
      syncService: h.syncService,
      sink: h.sink,
      items: firestoreTopItems(h.firestore.db),
      reader: firestoreDashboardReader(h.firestore.db),
      authorizeOrigins: [],
      logger: h.deps.logger,
      ...overrides,
    }),
  );
  return listen(app);
}

function connectFlow(): ConnectFlow {
  return new ConnectFlow({
    publicBaseUrl: h.url,
    stateTtlMs: 600_000,
    oauthStates: h.oauthStates,
    tokenStore: h.tokenStore,
    accountIndex: h.accountIndex,
    syncService: h.syncService,
    logger: h.deps.logger,
  });
}
