import type { Auth } from 'firebase-admin/auth';
import { bearerToken, firebaseIdTokenVerifier, secretsEqual } from './auth';
import { safeUrl } from './request-logging';
import { escapeHtml, renderCallbackPage } from './oauth-page';
import { cleanCode, redirectUriFor } from './connect-flow';
import { UserId } from './params';

describe('secretsEqual', () => {
  it('accepts the same key and refuses others, including prefixes and different lengths', () => {
    expect(secretsEqual('k3y-abc', 'k3y-abc')).toBe(true);
    expect(secretsEqual('k3y-ab', 'k3y-abc')).toBe(false);
    expect(secretsEqual('k3y-abcd', 'k3y-abc')).toBe(false);
    expect(secretsEqual('', 'k3y-abc')).toBe(false);
  });
});

describe('bearerToken', () => {
  it('extracts the token of a Bearer header, case-insensitively', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
  });
  it('refuses other schemes, empty tokens and missing headers', () => {
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('safeUrl', () => {
  it('masks OAuth codes, states, verify tokens and CRC tokens, keeping the rest', () => {
    const url = safeUrl('/oauth/twitter/callback?state=s3cr3t&code=c0de&x=1');
    expect(url).toBe('/oauth/twitter/callback?state=[Redacted]&code=[Redacted]&x=1');
    expect(safeUrl('/webhooks/instagram?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42')).toBe(
      '/webhooks/instagram?hub.mode=subscribe&hub.verify_token=[Redacted]&hub.challenge=42',
    );
    expect(safeUrl('/webhooks/twitter?crc_token=abc')).toBe('/webhooks/twitter?crc_token=[Redacted]');
  });
});

describe('callback page', () => {
  it('escapes every dynamic value', () => {
    expect(escapeHtml(`<script>"x"&'y'</script>`)).toBe(
      '&#60;script&#62;&#34;x&#34;&#38;&#39;y&#39;&#60;/script&#62;',
    );
    const page = renderCallbackPage({ ok: false, platform: 'tiktok', message: '<b>denied</b>' });
    expect(page).toContain('Could not connect TikTok');
    expect(page).toContain('&#60;b&#62;denied&#60;/b&#62;');
    expect(page).not.toContain('<b>');
  });
});

describe('OAuth helpers', () => {
  it('builds the redirect URI from PUBLIC_BASE_URL, with or without a trailing slash', () => {
    expect(redirectUriFor('https://app.example.com/', 'tiktok')).toBe(
      'https://app.example.com/oauth/tiktok/callback',
    );
    expect(redirectUriFor('https://app.example.com', 'instagram')).toBe(
      'https://app.example.com/oauth/instagram/callback',
    );
  });
  it('strips the #_ Instagram appends to codes', () => {
    expect(cleanCode('AQD123#_')).toBe('AQD123');
    expect(cleanCode('AQD123')).toBe('AQD123');
  });
});

describe('UserId', () => {
  it('accepts Firebase uids and refuses ids Firestore cannot hold', () => {
    expect(UserId.safeParse('Xy12abcDEF0987654321zzzzzz12').success).toBe(true);
    for (const bad of ['', 'a/b', '.', '..', '__x__', 'a b', 'x'.repeat(129)]) {
      expect(UserId.safeParse(bad).success).toBe(false);
    }
  });
});

test('finding 4: ID tokens are verified with checkRevoked (production Auth checks revocation only when asked)', async () => {
  // firebase-admin against the Auth emulator always checks revocation; production Auth only with checkRevoked,
  // so this stand-in behaves like production: a revoked user's token passes unless the caller asks.
  const calls: unknown[][] = [];
  const auth = {
    async verifyIdToken(token: string, checkRevoked?: boolean) {
      calls.push([token, checkRevoked]);
      if (token === 'revoked-user-token' && checkRevoked === true) {
        throw Object.assign(new Error('The Firebase ID token has been revoked.'), {
          code: 'auth/id-token-revoked',
        });
      }
      return { uid: 'u1' };
    },
  } as unknown as Auth;
  const verifier = firebaseIdTokenVerifier(auth);
  await expect(verifier.verifyIdToken('good-token')).resolves.toEqual({ uid: 'u1' });
  await expect(verifier.verifyIdToken('revoked-user-token')).rejects.toThrow(/revoked/);
  expect(calls).toEqual([
    ['good-token', true],
    ['revoked-user-token', true],
  ]);
});
