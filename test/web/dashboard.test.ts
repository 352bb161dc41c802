/**
 * The dashboard in headless Chromium (Debian's chromium driven by playwright-core): log in with the admin key,
 * connect each platform through its sandbox consent page ("Allow"), see the stored numbers appear, "Sync now".
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PlatformId } from '../../src/platforms/types';
import { startInProcess, type InProcessSocialsync } from '../cli/support/in-process';

jest.setTimeout(180_000);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let s: InProcessSocialsync;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  s = await startInProcess('web');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** Reloads the page until `check` holds (the page itself refreshes while syncs run; reloading just polls faster). */
async function reloadUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
  }
}

const card = (platform: PlatformId) => page.locator(`section[data-platform="${platform}"]`);

test('without a session the dashboard redirects to the login form; a wrong key is refused', async () => {
  await page.goto(`${s.url}/ui/users/alice`);
  expect(new URL(page.url()).pathname).toBe('/ui/login');
  await page.fill('input[name="key"]', 'not-the-key');
  await page.click('button[type="submit"]');
  await expect(page.locator('[role="alert"]').textContent()).resolves.toBe('Wrong key.');
});

test('log in, connect through the consent pages, see the numbers, sync now', async () => {
  await page.goto(`${s.url}/ui/login`);
  await page.fill('input[name="key"]', s.adminKey);
  await page.click('button[type="submit"]');
  await page.goto(`${s.url}/ui/users/alice`);
  await expect(card('tiktok').locator('[data-field="status"]').textContent()).resolves.toBe('not connected');

  const platforms: [PlatformId, string][] = [
    ['instagram', 'Connect Instagram'],
    ['twitter', 'Connect X'],
    ['tiktok', 'Connect TikTok'],
  ];
  for (const [platform, label] of platforms) {
    await page.goto(`${s.url}/ui/users/alice`);
    await card(platform).getByRole('button', { name: label }).click();
    // The sandbox's own consent page, on its own origin.
    expect(page.url().startsWith(s.sandboxes[platform].url)).toBe(true);
    await page.locator('button[name="decision"][value="allow"]').click();
    await page.waitForURL(`${s.url}/oauth/${platform}/callback**`);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/connected$/);
  }

  // The page refreshes itself while syncs run; the numbers appear once the initial syncs are done.
  await page.goto(`${s.url}/ui/users/alice`);
  for (const [platform] of platforms) {
    const status = card(platform).locator('[data-field="status"]');
    await reloadUntil(`${platform} active`, async () => (await status.textContent()) === 'active');
  }
  for (const [platform] of platforms) {
    const { sandbox } = s.sandboxes[platform];
    const truth = sandbox.groundTruth(sandbox.accountIds()[0]!);
    const followers = await card(platform).locator('[data-field="followers"]').textContent();
    expect(followers).toBe(truth.profile.followers!.toLocaleString('en-US'));
    await expect(card(platform).locator('[data-field="username"]').textContent()).resolves.toBe(
      `@${truth.profile.username}`,
    );
    // Top posts: the best stored item by likes is the platform's best.
    const kind = platform === 'instagram' ? 'posts' : platform === 'twitter' ? 'tweets' : 'videos';
    const best = [...truth.items[kind]!].sort((a, b) => (b.metrics.likes ?? 0) - (a.metrics.likes ?? 0))[0]!;
    const first = card(platform).locator('[data-field="topItems"] li').first();
    await expect(first.getAttribute('data-item')).resolves.toBe(best.id);
  }

  // A new TikTok video with many likes, then "Sync now": it becomes the top post.
  const tiktok = s.sandboxes.tiktok.sandbox;
  const accountId = tiktok.accountIds()[0]!;
  // An ordinary upload in the TikTok app: no webhook announces it (only posts made through the app's own flow are),
  // so it is the manual sync that brings it in.
  const added = await tiktok.control.addVideo(accountId, {
    text: 'fresh from the browser test',
    metrics: { likes: 10_000_000 },
    via: 'tiktok',
  });
  await card('tiktok').getByRole('button', { name: 'Sync now' }).click();
  await expect(page.locator('[role="status"]').textContent()).resolves.toBe(
    'Sync of TikTok started; this page refreshes until it is done.',
  );
  const top = card('tiktok').locator('[data-field="topItems"] li').first();
  await reloadUntil('the new video on top', async () => (await top.getAttribute('data-item')) === added.id);
  // The sync writes its pages first and its lastSync last, so the page may show the video a moment before that.
  const lastSync = card('tiktok').locator('[data-field="lastSync"]');
  await reloadUntil('the manual sync as the last one', async () =>
    /\(manual\)$/.test((await lastSync.textContent()) ?? ''),
  );
  await expect(top.getAttribute('data-item')).resolves.toBe(added.id);
});

test('the page sends its own CSP: no script, forms only to itself and the consent pages', async () => {
  const res = await page.request.get(`${s.url}/ui/users/alice`);
  const csp = res.headers()['content-security-policy']!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain(`form-action 'self' ${s.sandboxes.instagram.url}`);
  expect(await page.locator('script').count()).toBe(0);
});
