import { assertDocId, isValidDocumentId, paths } from './paths';

const key = { userId: 'u1', platform: 'instagram' } as const;

describe('paths', () => {
  it('follows the public Firestore layout', () => {
    expect(paths.platformDoc(key)).toBe('users/u1/platforms/instagram');
    expect(paths.itemDoc(key, 'posts', '178')).toBe('users/u1/platforms/instagram/posts/178');
    expect(paths.itemDoc(key, 'stories', '9')).toBe('users/u1/platforms/instagram/stories/9');
    expect(paths.itemDoc({ userId: 'u1', platform: 'twitter' }, 'tweets', '1')).toBe(
      'users/u1/platforms/twitter/tweets/1',
    );
    expect(paths.itemDoc({ userId: 'u1', platform: 'tiktok' }, 'videos', '7')).toBe(
      'users/u1/platforms/tiktok/videos/7',
    );
    expect(paths.insightDoc(key, '2025-01-31')).toBe('users/u1/platforms/instagram/insights/2025-01-31');
  });

  it('keeps server-only data in underscore collections', () => {
    expect(paths.tokenDoc(key)).toBe('_tokens/instagram:u1');
    expect(paths.tokenLeaseDoc(key)).toBe('_tokenLeases/instagram:u1');
    expect(paths.accountIndexDoc('tiktok', 'a/b')).toBe('_accountIndex/tiktok:a%2Fb');
    expect(paths.webhookEventDoc('twitter', 'evt-1')).toMatch(/^_webhookEvents\/twitter:[0-9a-f]{64}$/);
  });

  it('refuses ids that would address another document', () => {
    expect(() => paths.platformDoc({ userId: 'u1/platforms', platform: 'instagram' })).toThrow(/document id/);
    expect(() => paths.itemDoc(key, 'posts', '..')).toThrow(/document id/);
    expect(() => assertDocId('__name__', 'x')).toThrow();
    expect(() => assertDocId('', 'x')).toThrow();
    expect(() => paths.insightDoc(key, '2025-1-1')).toThrow(/YYYY-MM-DD/);
  });

  it('refuses an item kind the platform does not have', () => {
    expect(() => paths.itemCollection(key, 'tweets')).toThrow(/instagram has no "tweets"/);
  });
});

describe('finding 2: isValidDocumentId is the one rule', () => {
  it('accepts platform ids and refuses what Firestore cannot hold', () => {
    for (const ok of ['178', '7000000000000000001', 'a.b', '_x', '__x', 'é'.repeat(750)])
      expect(isValidDocumentId(ok)).toBe(true);
    for (const bad of [
      '',
      '/',
      'a/b',
      '.',
      '..',
      '__x__',
      '____',
      'x'.repeat(1501),
      'é'.repeat(751),
      42,
      undefined,
    ])
      expect(isValidDocumentId(bad)).toBe(false);
    expect(() => assertDocId('x'.repeat(1501), 'item id')).toThrow(/document id/);
  });
});

describe('finding 2: the pure rule of the domain counts bytes as Firestore (and Buffer) do', () => {
  it('1,500 UTF-8 bytes at most, surrogate pairs as 4, lone surrogates as 3', () => {
    for (const value of [
      'a'.repeat(1_500),
      'é'.repeat(750),
      '€'.repeat(500),
      '😀'.repeat(375),
      '\ud800'.repeat(500),
    ])
      expect([isValidDocumentId(value), Buffer.byteLength(value)]).toEqual([true, 1_500]);
    for (const value of [
      'a'.repeat(1_501),
      'é'.repeat(751),
      '€'.repeat(501),
      '😀'.repeat(376),
      '\ud800'.repeat(501),
    ])
      expect(isValidDocumentId(value)).toBe(false);
  });
});
