import { ConfigError, loadConfig, publicBaseUrl } from './index';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

test('defaults match the public contract', () => {
  const env = loadConfig({});
  expect(env.SYNC_INTERVAL).toBe(6 * 3_600_000);
  expect(env.INSTAGRAM_CALLS_PER_HOUR).toBe(200);
  expect(env.TWITTER_CALLS_PER_15MIN).toBe(900);
  expect(env.TIKTOK_CALLS_PER_MINUTE).toBe(600);
  expect(env.TEMPORAL_NAMESPACE).toBe('default');
  expect(env.TEMPORAL_ADDRESS).toBeUndefined();
  expect(env.INSTAGRAM_AUTHORIZE_URL).toBe('https://www.instagram.com/oauth/authorize');
  expect(env.INSTAGRAM_TOKEN_URL).toBe('https://api.instagram.com/oauth/access_token');
  expect(env.INSTAGRAM_GRAPH_URL).toBe('https://graph.instagram.com');
  expect(env.TWITTER_AUTHORIZE_URL).toBe('https://x.com/i/oauth2/authorize');
  expect(env.TWITTER_API_URL).toBe('https://api.x.com');
  expect(env.TIKTOK_AUTHORIZE_URL).toBe('https://www.tiktok.com/v2/auth/authorize/');
  expect(env.TIKTOK_API_URL).toBe('https://open.tiktokapis.com');
  expect(env.PORT).toBe(8080);
});

test('parses intervals, budgets and the keyring', () => {
  const env = loadConfig({
    SYNC_INTERVAL: '20s',
    INSTAGRAM_CALLS_PER_HOUR: '50',
    TOKEN_ENCRYPTION_KEYS: `new:${key(1)}, old:${key(2)}`,
    INSTAGRAM_GRAPH_VERSION: 'v23.0',
    PUBLIC_BASE_URL: 'https://sync.example.com',
  });
  expect(env.SYNC_INTERVAL).toBe(20_000);
  expect(env.INSTAGRAM_CALLS_PER_HOUR).toBe(50);
  expect(env.TOKEN_ENCRYPTION_KEYS?.map((k) => k.kid)).toEqual(['new', 'old']);
  expect(env.TOKEN_ENCRYPTION_KEYS?.[0]?.key.equals(Buffer.alloc(32, 1))).toBe(true);
  expect(env.INSTAGRAM_GRAPH_VERSION).toBe('v23.0');
});

test('empty strings count as unset', () => {
  const env = loadConfig({ TEMPORAL_ADDRESS: '', INSTAGRAM_CLIENT_ID: '  ' });
  expect(env.TEMPORAL_ADDRESS).toBeUndefined();
  expect(env.INSTAGRAM_CLIENT_ID).toBeUndefined();
});

function problems(source: Record<string, string>): string[] {
  try {
    loadConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

test('a bad value names the variable and what was expected', () => {
  const found = problems({ SYNC_INTERVAL: 'often', PORT: 'eighty', TWITTER_API_URL: 'not a url' });
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^SYNC_INTERVAL: expected a duration such as 20s.*\(got "often"\)/),
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^TWITTER_API_URL: /),
    ]),
  );
});

test('secrets are never echoed in errors', () => {
  const secret = 'k1:' + Buffer.from('too short, but secret').toString('base64');
  const found = problems({ TOKEN_ENCRYPTION_KEYS: secret, INSTAGRAM_GRAPH_VERSION: '23' });
  expect(found.join('\n')).not.toContain(secret);
  expect(found.join('\n')).not.toContain(Buffer.from('too short, but secret').toString('base64'));
  expect(found).toEqual(
    expect.arrayContaining([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: entry 1 must be/)]),
  );
});

test('duplicate key ids are refused', () => {
  expect(problems({ TOKEN_ENCRYPTION_KEYS: `a:${key(1)},a:${key(2)}` })).toEqual([
    'TOKEN_ENCRYPTION_KEYS: key id "a" appears twice',
  ]);
});

test('the public base URL is PUBLIC_BASE_URL, else this host at PORT', () => {
  expect(publicBaseUrl(loadConfig({}))).toBe('http://127.0.0.1:8080');
  expect(publicBaseUrl(loadConfig({ PORT: '9000' }))).toBe('http://127.0.0.1:9000');
  expect(publicBaseUrl(loadConfig({ PORT: '9000', PUBLIC_BASE_URL: 'https://sync.example.com' }))).toBe(
    'https://sync.example.com',
  );
});
