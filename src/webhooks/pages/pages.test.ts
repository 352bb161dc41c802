import { renderDashboard } from './render';
import { dashboardSessions, parseCookies, SECURE_SESSION_COOKIE, SESSION_COOKIE } from './session';

const valueOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('dashboard session cookie', () => {
  test('holds an HMAC, never the key, and only that key opens it', () => {
    const sessions = dashboardSessions({ adminApiKey: 'the-admin-key', secure: false });
    const cookie = sessions.issue();
    expect(cookie).not.toContain('the-admin-key');
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const header = `other=1; ${valueOf(cookie)}`;
    expect(sessions.valid(header)).toBe(true);
    expect(dashboardSessions({ adminApiKey: 'a-rotated-key', secure: false }).valid(header)).toBe(false);
    expect(dashboardSessions({ adminApiKey: undefined, secure: false }).valid(header)).toBe(false);
    expect(sessions.valid(`${SESSION_COOKIE}=forged`)).toBe(false);
    expect(dashboardSessions({ adminApiKey: 'k', secure: true }).issue()).toContain('; Secure');
  });

  test('finding 10: every login gets its own session, which expires and which logout revokes', () => {
    let t = 1_000_000;
    const sessions = dashboardSessions({ adminApiKey: 'k', secure: false, ttlMs: 60_000, now: () => t });
    const a = valueOf(sessions.issue());
    const b = valueOf(sessions.issue());
    expect(a).not.toBe(b);
    expect(sessions.issue()).toContain('Max-Age=60');
    // Logout of one session ends that one only, and clears the cookie.
    expect(sessions.revoke(a)).toMatch(/Max-Age=0/);
    expect(sessions.valid(a)).toBe(false);
    expect(sessions.valid(b)).toBe(true);
    // The signed issue time ends the other one after the lifetime, whatever the browser keeps.
    t += 60_000;
    expect(sessions.valid(b)).toBe(false);
    // A tampered issue time breaks the signature.
    const fresh = valueOf(sessions.issue());
    const [name, value] = fresh.split('=') as [string, string];
    const [, id, mac] = value.split('.');
    expect(sessions.valid(`${name}=${t + 3_600_000}.${id}.${mac}`)).toBe(false);
  });

  test('finding 10: over https the cookie is __Host- prefixed (Secure, Path=/, no Domain)', () => {
    const cookie = dashboardSessions({ adminApiKey: 'k', secure: true }).issue();
    expect(cookie.startsWith(`${SECURE_SESSION_COOKIE}=`)).toBe(true);
    expect(cookie).toContain('; Path=/; Secure');
    expect(cookie).not.toMatch(/Domain=/i);
  });

  test('parseCookies splits a Cookie header', () => {
    expect([...parseCookies(`a=1; ${SESSION_COOKIE}=x.y.z`).keys()]).toEqual(['a', SESSION_COOKIE]);
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
