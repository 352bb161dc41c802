import { loadConfig } from '../config';
import { PlatformNotConfiguredError } from '../platforms/registry';
import { composeEngine } from './compose';

/** Nothing listens here: each case below must fail before anything connects. */
const UNREACHABLE = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
const TIKTOK = { TIKTOK_CLIENT_KEY: 'key', TIKTOK_CLIENT_SECRET: 'secret' };
const KEYS = { TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };

describe('composeEngine refuses a configuration it cannot run, before connecting to anything', () => {
  it('without TEMPORAL_ADDRESS', async () => {
    await expect(composeEngine({ config: loadConfig({ ...TIKTOK, ...KEYS }) })).rejects.toThrow(
      'the sync engine needs TEMPORAL_ADDRESS',
    );
  });

  it('without any configured platform', async () => {
    await expect(composeEngine({ config: loadConfig({ ...UNREACHABLE, ...KEYS }) })).rejects.toThrow(
      'no platform is configured',
    );
  });

  it('asked to serve a platform whose credentials are missing, naming them', async () => {
    const config = loadConfig({ ...UNREACHABLE, ...KEYS, ...TIKTOK, TWITTER_CLIENT_ID: 'id' });
    await expect(composeEngine({ config, platforms: ['twitter'] })).rejects.toThrow(
      new PlatformNotConfiguredError('twitter', ['TWITTER_CLIENT_SECRET']),
    );
  });

  it('without token keys and without a data directory for a dev key', async () => {
    await expect(composeEngine({ config: loadConfig({ ...UNREACHABLE, ...TIKTOK }) })).rejects.toThrow(
      /TOKEN_ENCRYPTION_KEYS is not set/,
    );
  });

  it('in production without token keys, even with a data directory', async () => {
    const config = loadConfig({ ...UNREACHABLE, ...TIKTOK, NODE_ENV: 'production' });
    await expect(composeEngine({ config, dataDir: '/nonexistent' })).rejects.toThrow(
      /TOKEN_ENCRYPTION_KEYS must be set in production/,
    );
  });
});
