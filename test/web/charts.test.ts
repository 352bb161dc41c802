/**
 * The users page and the connection pages in headless Chromium (Debian's chromium driven by playwright-core), with
 * data seeded through the real pipeline: users connected through the sandboxes' OAuth consent exactly as
 * `npm start` connects `demo`, initial syncs run by the Temporal workers into the Firestore emulator. Each chart is
 * checked against the sandbox's ground truth and the stored documents; screenshots go to test-output/dashboard/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ServiceApi } from '../../src/cli/api';
import { connectThroughOAuth } from '../../src/cli/oauth-driver';
import type { PlatformId } from '../../src/domain';
import { repoPath } from '../helpers/servers';
import { eventually } from '../helpers/eventually';
import { startInProcess, type InProcessSocialsync } from '../cli/support/in-process';

jest.setTimeout(240_000);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const OUTPUT = repoPath('test-output', 'dashboard');
const PLATFORMS: PlatformId[] = ['instagram', 'twitter', 'tiktok'];
const PRIMARY = { instagram: 'posts', twitter: 'tweets', tiktok: 'videos' } as const;

let s: InProcessSocialsync;
let api: ServiceApi;
let browser: Browser;
let page: Page;
let db: Firestore;
let app: ReturnType<typeof initializeApp>;

beforeAll(async () => {
  s = await startInProcess('charts');
  api = new ServiceApi({ baseUrl: s.url, adminApiKey: s.adminKey });
  app = initializeApp({ projectId: s.projectId }, `charts-${s.projectId}`);
  db = getFirestore(app);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  fs.mkdirSync(OUTPUT, { recursive: true });

  // `demo` on all three platforms, as `npm start` connects it; `zed` on X with the second sandbox account.
  for (const platform of PLATFORMS) await connectThroughOAuth({ api, userId: 'demo', platform });
  const x = s.sandboxes.twitter.sandbox;
  const second = x.accountIds()[1]!;
  x.world.login(second);
  await connectThroughOAuth({ api, userId: 'zed', platform: 'twitter' });
  x.world.login(x.accountIds()[0]!);
  for (const [userId, platform] of [
    ...PLATFORMS.map((p) => ['demo', p] as const),
    ['zed', 'twitter'] as const,
  ])
    await eventually(
      `${userId}/${platform} synced`,
      async () => {
        const status = await api.statusOrUndefined(userId, platform);
        return status?.status === 'active' && status.lastSync !== null;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  // zed revokes the app at X; the next sync finds out and the connection needs re-authorization.
  await x.world.revokeAccount(second);
  // (The revocation may already have reached the connection through X's webhook: then the sync is refused.)
  await api.syncNow('zed', 'twitter').catch((err: Error) => {
    if (!/needs re-authorization/.test(err.message)) throw err;
  });
  await eventually(
    'zed needs re-authorization',
    async () => (await api.statusOrUndefined('zed', 'twitter'))?.status === 'needs_reauth',
    { timeoutMs: 120_000, intervalMs: 500 },
  );

  await page.goto(`${s.url}/ui/login`);
  await page.fill('input[name="key"]', s.adminKey);
  await page.click('button[type="submit"]');
});

afterAll(async () => {
  await browser?.close();
  if (app) await deleteApp(app);
  await s?.close();
});

const errorsOf = (p: Page) => {
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
};

test('users page: every user, problems first and highlighted, search by id prefix', async () => {
  const errors = errorsOf(page);
  await page.goto(`${s.url}/ui/users`);
  // The attention list names zed's X connection.
  const attention = page.locator('[data-section="attention"] li');
  await expect(attention.count()).resolves.toBe(1);
  await expect(attention.first().getAttribute('data-user')).resolves.toBe('zed');
  await expect(attention.first().locator('[data-status]').getAttribute('data-status')).resolves.toBe(
    'needs_reauth',
  );
  // The page: zed (problem) first, highlighted; demo with three active connections and its item counts.
  const rows = page.locator('[data-section="users"] > li');
  await expect(rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-user')))).resolves.toEqual([
    'zed',
    'demo',
  ]);
  await expect(rows.first().getAttribute('class')).resolves.toContain('problem');
  const demo = rows.nth(1);
  for (const platform of PLATFORMS) {
    const chip = demo.locator(`[data-platform="${platform}"]`);
    await expect(chip.getAttribute('data-status')).resolves.toBe('active');
    const status = await api.statusOrUndefined('demo', platform);
    const items = Object.values(status!.counts).reduce((n, v) => n + (v ?? 0), 0);
    await expect(chip.textContent()).resolves.toContain(`${items.toLocaleString('en-US')} items`);
  }
  await page.screenshot({ path: path.join(OUTPUT, 'users.png'), fullPage: true });

  await page.fill('input[name="q"]', 'de');
  await page.click('form[role="search"] button');
  await expect(rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-user')))).resolves.toEqual([
    'demo',
  ]);
  expect(errors).toEqual([]);
});

test('Instagram page: trends, engagement and audience drawn from the stored data', async () => {
  const errors = errorsOf(page);
  await page.goto(`${s.url}/ui/users/demo`);
  await page.locator('section[data-platform="instagram"] a[data-field="details"]').click();
  expect(new URL(page.url()).pathname).toBe('/ui/users/demo/platforms/instagram');

  const ig = s.sandboxes.instagram.sandbox;
  const truth = ig.groundTruth(ig.accountIds()[0]!);
  const key = 'users/demo/platforms/instagram';
  const stored = (await db.collection(`${key}/insights`).get()).docs.map((d) => ({
    date: d.id,
    metrics: d.get('metrics') as Record<string, number>,
  }));
  expect(stored.length).toBeGreaterThan(1);
  const count = (metric: string) => stored.filter((d) => d.metrics[metric] !== undefined).length;

  // Reach and views: one point per stored day and metric, each the sandbox's value for that day.
  const reach = page.locator('[data-chart="trend-reach"]');
  await expect(reach.getAttribute('data-points')).resolves.toBe(String(count('reach') + count('views')));
  await expect(reach.locator('circle[data-point]').count()).resolves.toBe(count('reach') + count('views'));
  await expect(reach.locator('svg[role="img"] > title').textContent()).resolves.toMatch(/^Reach and views/);
  for (const row of await reach.locator('tbody tr').all()) {
    const [date, reachCell] = await row.locator('th, td').allTextContents();
    const day = truth.daily!.find((d) => d.date === date)!;
    expect(reachCell).toBe(day.metrics.reach!.toLocaleString('en-US'));
  }
  // Followers: Instagram has no daily follower count; the chart shows the daily follows and unfollows.
  const follows = page.locator('[data-chart="trend-followers"]');
  await expect(follows.locator('circle[data-point]').count()).resolves.toBe(count('follows_and_unfollows'));

  // Engagement: a bar per recent post (12 stored), newest first, each linked to its permalink.
  const posts = [...truth.items.posts!].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const bars = page.locator('[data-chart="engagement"] g[data-bar]');
  await expect(bars.count()).resolves.toBe(Math.min(12, posts.length));
  await expect(bars.first().locator('a').getAttribute('href')).resolves.toBe(posts[0]!.attributes!.permalink);

  // Audience: the sandbox account has enough followers for demographics; one bar per value (top 10 places).
  expect(truth.audience).toBeDefined();
  for (const [dimension, values] of Object.entries(truth.audience!)) {
    const expected = Math.min(
      Object.keys(values).length,
      dimension === 'country' || dimension === 'city' ? 10 : 99,
    );
    await expect(page.locator(`[data-chart="audience-${dimension}"] g[data-bar]`).count()).resolves.toBe(
      expected,
    );
  }

  // Sync history from the connection workflow: the initial sync with its numbers.
  const history = page.locator('[data-field="syncHistory"] tbody tr');
  await expect(history.count()).resolves.toBeGreaterThan(0);
  await expect(history.last().locator('td').first().textContent()).resolves.toBe('initial');
  // Every chart has an accessible name and a data table.
  for (const svg of await page.locator('svg').all()) {
    await expect(svg.getAttribute('role')).resolves.toBe('img');
    await expect(svg.getAttribute('aria-labelledby')).resolves.toMatch(/-title .*-desc$/);
  }
  await expect(page.locator('script').count()).resolves.toBe(0);
  await page.screenshot({ path: path.join(OUTPUT, 'instagram.png'), fullPage: true });
  // The top of the page (summary and trends), the size the README shows.
  await page.screenshot({ path: path.join(OUTPUT, 'instagram-top.png') });
  expect(errors).toEqual([]);
});

test('X and TikTok pages render without errors and say what the platform has no API for', async () => {
  const errors = errorsOf(page);
  for (const platform of ['twitter', 'tiktok'] as const) {
    await page.goto(`${s.url}/ui/users/demo/platforms/${platform}`);
    const sandbox = s.sandboxes[platform].sandbox;
    const items = sandbox.groundTruth(sandbox.accountIds()[0]!).items[PRIMARY[platform]]!;
    const newest = [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    const bars = page.locator('[data-chart="engagement"] g[data-bar]');
    await expect(bars.count()).resolves.toBe(Math.min(12, items.length));
    const href = await bars.first().locator('a').getAttribute('href');
    expect(href).toBe(
      platform === 'twitter' ? `https://x.com/i/web/status/${newest.id}` : newest.attributes!.shareUrl,
    );
    await expect(page.locator('[data-field="syncHistory"] tbody tr').count()).resolves.toBeGreaterThan(0);
    const unavailable = await page.locator('[data-section="unavailable"]').textContent();
    expect(unavailable).toContain(platform === 'twitter' ? 'X API v2 has no' : 'Trending sounds');
  }
  expect(errors).toEqual([]);
});

test('at phone width (390 px) nothing overflows and the charts fit', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const errors = errorsOf(phone);
  await phone.context().addCookies(await page.context().cookies());
  for (const url of ['/ui/users', '/ui/users/demo/platforms/instagram']) {
    await phone.goto(`${s.url}${url}`);
    const width = await phone.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
  }
  for (const svg of await phone.locator('svg').all()) {
    const box = (await svg.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    // Labels stay legible: the 11-unit font of a 360-unit viewBox is drawn at least 10 px.
    expect((box.width / 360) * 11).toBeGreaterThanOrEqual(10);
  }
  await phone.screenshot({ path: path.join(OUTPUT, 'instagram-phone.png'), fullPage: true });
  await phone.close();
  expect(errors).toEqual([]);
});

test('bad input gets a clear error and no session gets the login page', async () => {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const get = (url: string, withCookie = true) =>
    fetch(`${s.url}${url}`, { redirect: 'manual', headers: withCookie ? { cookie } : {} });
  const badSearch = await get('/ui/users?q=a%2Fb');
  expect(badSearch.status).toBe(400);
  expect(await badSearch.text()).toContain('invalid search');
  expect((await get('/ui/users?after=%20')).status).toBe(400);
  expect((await get('/ui/users/demo/platforms/myspace')).status).toBe(404);
  expect((await get('/ui/users/__x__/platforms/twitter')).status).toBe(400);
  for (const url of ['/ui/users', '/ui/users/demo/platforms/twitter']) {
    const res = await get(url, false);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login');
  }
  // A user nobody connected: the page renders, empty, and says so.
  const empty = await get('/ui/users/nobody/platforms/instagram');
  expect(empty.status).toBe(200);
  const html = await empty.text();
  expect(html).toContain('not connected');
  expect(html).toContain('No posts stored yet.');
});
