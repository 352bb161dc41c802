import { renderDashboard } from './render';
import { hasSession, parseCookies, SESSION_COOKIE, sessionCookie, sessionValue } from './session';

describe('dashboard session cookie', () => {
  test('holds an HMAC of the key, never the key, and only that key opens it', () => {
    const cookie = sessionCookie({ adminApiKey: 'the-admin-key', secure: false });
    expect(cookie).not.toContain('the-admin-key');
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict$/);
    const header = `other=1; ${cookie.split(';')[0]}`;
    expect(hasSession(header, 'the-admin-key')).toBe(true);
    expect(hasSession(header, 'a-rotated-key')).toBe(false);
    expect(hasSession(header, undefined)).toBe(false);
    expect(hasSession(`${SESSION_COOKIE}=forged`, 'the-admin-key')).toBe(false);
    expect(sessionCookie({ adminApiKey: 'k', secure: true })).toContain('; Secure');
  });

  test('parseCookies splits a Cookie header', () => {
    expect([...parseCookies(`a=1; ${SESSION_COOKIE}=${sessionValue('k')}`).keys()]).toEqual([
      'a',
      SESSION_COOKIE,
    ]);
  });
});

describe('renderDashboard', () => {
  const status = {
    status: 'active' as const,
    lastSync: '2026-01-02T03:04:05.678Z',
    lastSyncMode: 'manual' as const,
    nextSyncAt: null,
    counts: { tweets: 2 },
  };

  test('escapes platform text, shows numbers, and refreshes only while something syncs', () => {
    const html = renderDashboard({
      userId: 'u<1>',
      cards: [
        {
          platform: 'twitter',
          available: true,
          status,
          profile: { username: 'x"y', displayName: null, followers: 12345 },
          topItems: [
            {
              id: '9',
              kind: 'tweets',
              text: '<script>alert(1)</script>',
              createdAt: null,
              metrics: { likes: 3 },
            },
          ],
        },
        { platform: 'tiktok', available: false, topItems: [] },
      ],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(html).toContain('socialsync · u&#60;1&#62;');
    expect(html).toContain('<dd data-field="followers">12,345</dd>');
    expect(html).toContain('2026-01-02 03:04:05Z (manual)');
    expect(html).toContain('Not configured in this deployment.');
    expect(html).not.toContain('http-equiv="refresh"');
    const syncing = renderDashboard({
      userId: 'u',
      cards: [
        { platform: 'twitter', available: true, status: { ...status, status: 'syncing' }, topItems: [] },
      ],
      refreshSeconds: 2,
    });
    expect(syncing).toContain('<meta http-equiv="refresh" content="2">');
  });
});
