import { loadConfig, SECRET_VARIABLES } from '../config';
import { ITEM_KINDS, PLATFORM_IDS } from '../domain';
import { PlatformNotConfiguredError } from './descriptor';
import {
  appActivitiesPerSecond,
  authorizeOrigins,
  createConnector,
  createConnectors,
  displayName,
  isConfigured,
  platformDescriptors,
  PLATFORMS,
} from './registry';

/** App credentials of every platform (values only need to be present). */
const CREDENTIALS = {
  INSTAGRAM_CLIENT_ID: 'ig-id',
  INSTAGRAM_CLIENT_SECRET: 'ig-secret',
  TWITTER_CLIENT_ID: 'x-id',
  TWITTER_CLIENT_SECRET: 'x-secret',
  TIKTOK_CLIENT_KEY: 'tt-key',
  TIKTOK_CLIENT_SECRET: 'tt-secret',
};

test('one descriptor per platform id, filed under its own id, with the domain item kinds', () => {
  expect(platformDescriptors().map((d) => d.id)).toEqual([...PLATFORM_IDS]);
  for (const id of PLATFORM_IDS) {
    expect(PLATFORMS[id].id).toBe(id);
    expect(PLATFORMS[id].itemKinds).toEqual(ITEM_KINDS[id]);
  }
});

test('the per-platform tables derived from the descriptors', () => {
  expect(Object.fromEntries(platformDescriptors().map((d) => [d.id, d.webhookMethods]))).toEqual({
    instagram: ['GET', 'POST'],
    twitter: ['GET', 'POST'],
    tiktok: ['POST'],
  });
  expect(appActivitiesPerSecond()).toEqual({ instagram: 20, twitter: 10, tiktok: 10 });
  expect(PLATFORM_IDS.map(displayName)).toEqual(['Instagram', 'X', 'TikTok']);
  // Not a platform (e.g. a path segment of a bad callback URL): shown as it came.
  expect(displayName('myspace')).toBe('myspace');
});

test('authorize origins come from the configured authorize URLs, once each', () => {
  expect(authorizeOrigins(loadConfig({}))).toEqual([
    'https://www.instagram.com',
    'https://x.com',
    'https://www.tiktok.com',
  ]);
  const sandboxes = loadConfig({
    INSTAGRAM_AUTHORIZE_URL: 'http://127.0.0.1:4001/oauth/authorize',
    TWITTER_AUTHORIZE_URL: 'http://127.0.0.1:4001/i/oauth2/authorize',
    TIKTOK_AUTHORIZE_URL: 'http://127.0.0.1:4002/v2/auth/authorize/',
  });
  expect(authorizeOrigins(sandboxes)).toEqual(['http://127.0.0.1:4001', 'http://127.0.0.1:4002']);
  expect(authorizeOrigins(sandboxes, ['tiktok'])).toEqual(['http://127.0.0.1:4002']);
});

test('a platform is configured only when every credential is set (blank counts as unset)', () => {
  expect(PLATFORM_IDS.filter((p) => isConfigured(p, loadConfig(CREDENTIALS)))).toEqual([...PLATFORM_IDS]);
  const partial = loadConfig({ ...CREDENTIALS, TWITTER_CLIENT_SECRET: '  ', TIKTOK_CLIENT_KEY: undefined });
  expect(PLATFORM_IDS.filter((p) => isConfigured(p, partial))).toEqual(['instagram']);
});

test('createConnectors builds the configured platforms and skips the others', () => {
  const env = loadConfig({ INSTAGRAM_CLIENT_ID: 'id', INSTAGRAM_CLIENT_SECRET: 'secret' });
  const connectors = createConnectors(env);
  expect(Object.keys(connectors)).toEqual(['instagram']);
  expect(connectors.instagram?.id).toBe('instagram');
  expect(Object.keys(createConnectors(loadConfig(CREDENTIALS)))).toEqual([...PLATFORM_IDS]);
});

test('a platform asked for by name without credentials fails alike on every platform, naming what is missing', () => {
  const env = loadConfig({ TWITTER_CLIENT_ID: 'x-id' });
  expect(() => createConnectors(env, {}, ['twitter'])).toThrow(
    new PlatformNotConfiguredError('twitter', ['TWITTER_CLIENT_SECRET']),
  );
  for (const platform of PLATFORM_IDS) {
    let error: unknown;
    try {
      createConnector(platform, loadConfig({}));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PlatformNotConfiguredError);
    expect((error as PlatformNotConfiguredError).missing).toEqual(PLATFORMS[platform].credentials);
    expect((error as Error).message).toMatch(
      new RegExp(`^${platform} is not configured: set [A-Z_]+ and [A-Z_]+$`),
    );
  }
});

test('settings carry no secret into their error message', () => {
  expect(() => PLATFORMS.tiktok.settingsFromEnv(loadConfig({ TIKTOK_CLIENT_SECRET: 'very-secret' }))).toThrow(
    /^tiktok is not configured: set TIKTOK_CLIENT_KEY$/,
  );
});

test("every platform's app secret is a variable config never echoes", () => {
  const secrets = platformDescriptors().flatMap((d) =>
    d.credentials.filter((name) => name.endsWith('_SECRET')),
  );
  expect(secrets).toHaveLength(PLATFORM_IDS.length);
  for (const name of secrets) expect(SECRET_VARIABLES.has(name)).toBe(true);
});
