import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveKeyring } from './index';

describe('resolveKeyring', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-resolve-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers TOKEN_ENCRYPTION_KEYS', () => {
    const keys = [{ kid: 'a', key: randomBytes(32) }];
    expect(
      resolveKeyring({ env: { TOKEN_ENCRYPTION_KEYS: keys, NODE_ENV: 'production' }, dataDir: dir }),
    ).toEqual({
      keyring: keys,
      source: 'env',
    });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('falls back to a generated dev key outside production', () => {
    const { keyring, source } = resolveKeyring({ env: { NODE_ENV: 'development' }, dataDir: dir });
    expect(source).toBe('dev-file');
    expect(keyring[0]!.key).toHaveLength(32);
  });

  it('without a data directory, needs TOKEN_ENCRYPTION_KEYS', () => {
    expect(() => resolveKeyring({ env: { NODE_ENV: 'development' } })).toThrow(/TOKEN_ENCRYPTION_KEYS/);
    const keys = [{ kid: 'a', key: randomBytes(32) }];
    expect(resolveKeyring({ env: { TOKEN_ENCRYPTION_KEYS: keys, NODE_ENV: 'development' } }).source).toBe(
      'env',
    );
  });

  it('refuses production without keys', () => {
    expect(() => resolveKeyring({ env: { NODE_ENV: 'production' }, dataDir: dir })).toThrow(
      /TOKEN_ENCRYPTION_KEYS/,
    );
  });
});
