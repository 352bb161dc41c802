import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Tests sit outside the layer graph: the real descriptors check that the credential lists production asks for are
// the ones the connectors need.
import { platformDescriptors } from '../platforms/registry';
import { loadConfig } from './index';
import { parsePlatforms } from './platforms';
import { productionProblems } from './production';

const PLATFORMS = platformDescriptors();
const KEYRING = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** A complete production environment: every platform's app, a cluster, real Firestore. */
const COMPLETE: Record<string, string> = {
  NODE_ENV: 'production',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  GOOGLE_CLOUD_PROJECT: 'acme-prod',
  ADMIN_API_KEY: 'a'.repeat(32),
  PUBLIC_BASE_URL: 'https://sync.example.com',
  TOKEN_ENCRYPTION_KEYS: KEYRING,
  INSTAGRAM_CLIENT_ID: 'ig-id',
  INSTAGRAM_CLIENT_SECRET: 'ig-secret',
  TWITTER_CLIENT_ID: 'x-id',
  TWITTER_CLIENT_SECRET: 'x-secret',
  TIKTOK_CLIENT_KEY: 'tt-key',
  TIKTOK_CLIENT_SECRET: 'tt-secret',
};

const without = (...names: string[]) =>
  Object.fromEntries(Object.entries(COMPLETE).filter(([name]) => !names.includes(name)));

describe('productionProblems', () => {
  it('outside production nothing is refused (npm start fills the gaps)', () => {
    expect(productionProblems({}, PLATFORMS)).toEqual([]);
    expect(productionProblems({ NODE_ENV: 'development' }, PLATFORMS)).toEqual([]);
    expect(productionProblems({ NODE_ENV: 'test', ADMIN_API_KEY: 'short' }, PLATFORMS)).toEqual([]);
  });

  it('a complete production environment has no problem, and loadConfig accepts it', () => {
    expect(productionProblems(COMPLETE, PLATFORMS)).toEqual([]);
    expect(loadConfig(COMPLETE).GCLOUD_PROJECT).toBe('acme-prod');
  });

  it('production with nothing configured names every missing setting, one line each', () => {
    const problems = productionProblems({ NODE_ENV: 'production' }, PLATFORMS);
    const names = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(names).toEqual([
      'TEMPORAL_ADDRESS',
      'GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT)',
      'ADMIN_API_KEY',
      'PUBLIC_BASE_URL',
      'TOKEN_ENCRYPTION_KEYS',
      'INSTAGRAM_CLIENT_ID, INSTAGRAM_CLIENT_SECRET',
      'TWITTER_CLIENT_ID, TWITTER_CLIENT_SECRET',
      'TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET',
    ]);
    expect(problems[0]).toMatch(/no embedded Temporal/);
    expect(problems[5]).toMatch(/no sandbox for instagram/);
  });

  it('asks for exactly the credentials each platform descriptor declares', () => {
    for (const d of PLATFORMS) {
      const problems = productionProblems(without(...d.credentials), PLATFORMS);
      expect(problems).toEqual([expect.stringContaining(`${d.credentials.join(', ')}: not set`)]);
    }
  });

  it('one missing credential of a platform is named alone', () => {
    expect(productionProblems(without('TWITTER_CLIENT_SECRET'), PLATFORMS)).toEqual([
      expect.stringMatching(/^TWITTER_CLIENT_SECRET: not set: production serves no sandbox for twitter/),
    ]);
  });

  it('PLATFORMS leaves platforms out: their credentials are not asked for', () => {
    const env = {
      ...without('TWITTER_CLIENT_ID', 'TWITTER_CLIENT_SECRET', 'TIKTOK_CLIENT_KEY', 'TIKTOK_CLIENT_SECRET'),
    };
    expect(productionProblems(env, PLATFORMS)).toHaveLength(2);
    expect(productionProblems({ ...env, PLATFORMS: 'instagram' }, PLATFORMS)).toEqual([]);
    expect(productionProblems({ ...COMPLETE, PLATFORMS: 'instagram,threads' }, PLATFORMS)).toEqual([
      'PLATFORMS: unknown platform "threads"',
    ]);
  });

  it('unsafe values: short admin key, http base URL, the Auth emulator', () => {
    expect(productionProblems({ ...COMPLETE, ADMIN_API_KEY: 'x'.repeat(31) }, PLATFORMS)).toEqual([
      'ADMIN_API_KEY: must be at least 32 characters',
    ]);
    expect(
      productionProblems({ ...COMPLETE, PUBLIC_BASE_URL: 'http://sync.example.com' }, PLATFORMS),
    ).toEqual(['PUBLIC_BASE_URL: must be an https URL (got "http://sync.example.com")']);
    expect(
      productionProblems({ ...COMPLETE, FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' }, PLATFORMS),
    ).toEqual([expect.stringMatching(/^FIREBASE_AUTH_EMULATOR_HOST: set: /)]);
  });

  it('a worker process needs no admin key (it serves no management API), but a short one is still refused', () => {
    const noKey = without('ADMIN_API_KEY');
    expect(productionProblems(noKey, PLATFORMS, 'worker')).toEqual([]);
    expect(productionProblems(noKey, PLATFORMS, 'service')).toEqual([
      expect.stringMatching(/^ADMIN_API_KEY: not set/),
    ]);
    expect(productionProblems(noKey, PLATFORMS)).toHaveLength(1);
    expect(productionProblems({ ...COMPLETE, ADMIN_API_KEY: 'short' }, PLATFORMS, 'worker')).toEqual([
      'ADMIN_API_KEY: must be at least 32 characters',
    ]);
    expect(productionProblems({ NODE_ENV: 'production' }, PLATFORMS, 'worker').join('\n')).not.toContain(
      'ADMIN_API_KEY',
    );
  });

  it('never echoes a secret value', () => {
    const short = 'tiny-secret-admin-key';
    expect(productionProblems({ ...COMPLETE, ADMIN_API_KEY: short }, PLATFORMS).join('\n')).not.toContain(
      short,
    );
  });

  it('an explicit emulator is allowed and needs no project; GCLOUD_PROJECT counts as the project', () => {
    const emulator = { ...without('GOOGLE_CLOUD_PROJECT'), FIRESTORE_EMULATOR_HOST: 'firestore:8080' };
    expect(productionProblems(emulator, PLATFORMS)).toEqual([]);
    expect(
      productionProblems({ ...without('GOOGLE_CLOUD_PROJECT'), GCLOUD_PROJECT: 'acme' }, PLATFORMS),
    ).toEqual([]);
  });

  describe('Temporal through a profile', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-production-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a profile with an address satisfies production; one without, or a missing file, is named', () => {
      const file = path.join(dir, 'temporal.toml');
      fs.writeFileSync(
        file,
        '[profile.prod]\naddress = "ns.acct.tmprl.cloud:7233"\napi_key = "k"\n[profile.empty]\nnamespace = "x"\n',
      );
      const base = without('TEMPORAL_ADDRESS');
      expect(
        productionProblems({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, PLATFORMS),
      ).toEqual([]);
      expect(
        productionProblems({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'empty' }, PLATFORMS),
      ).toEqual([
        'TEMPORAL_ADDRESS: not set, and profile "empty" has no address (production starts no embedded Temporal)',
      ]);
      expect(
        productionProblems({ ...base, TEMPORAL_CONFIG_FILE: path.join(dir, 'gone.toml') }, PLATFORMS),
      ).toEqual([`TEMPORAL_CONFIG_FILE: no such file: ${path.join(dir, 'gone.toml')}`]);
    });
  });
});

describe('PLATFORMS', () => {
  it('unset or blank: every platform; a list: those, in registry order', () => {
    expect(parsePlatforms(undefined)).toEqual({ platforms: ['instagram', 'twitter', 'tiktok'], unknown: [] });
    expect(parsePlatforms(' ')).toEqual({ platforms: ['instagram', 'twitter', 'tiktok'], unknown: [] });
    expect(parsePlatforms('TikTok, instagram,,instagram')).toEqual({
      platforms: ['instagram', 'tiktok'],
      unknown: [],
    });
    expect(parsePlatforms('x,twitter')).toEqual({ platforms: ['twitter'], unknown: ['x'] });
  });

  it('loadConfig parses it and refuses unknown names', () => {
    expect(loadConfig({}).PLATFORMS).toEqual(['instagram', 'twitter', 'tiktok']);
    expect(loadConfig({ PLATFORMS: 'twitter' }).PLATFORMS).toEqual(['twitter']);
    expect(() => loadConfig({ PLATFORMS: 'myspace' })).toThrow(/PLATFORMS: unknown platform "myspace"/);
  });
});
