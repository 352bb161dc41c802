import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, resolveAdminKey } from './data-dir';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('finding 12: the data directory is 0700 and the log file 0600', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-datadir-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a new data directory is created 0700, an existing 0755 one is tightened', () => {
    const fresh = ensurePrivateDir(path.join(root, 'new', '.data'));
    expect(mode(fresh)).toBe(0o700);
    const old = path.join(root, 'old');
    fs.mkdirSync(old, { mode: 0o755 });
    fs.chmodSync(old, 0o755);
    ensurePrivateDir(old);
    expect(mode(old)).toBe(0o700);
  });

  test('the log file is created 0600 and an existing 0644 one is tightened; the admin key file is 0600', () => {
    const dir = ensurePrivateDir(path.join(root, 'd'));
    const log = ensurePrivateFile(path.join(dir, 'socialsync.log'));
    expect(mode(log)).toBe(0o600);
    fs.chmodSync(log, 0o644);
    fs.appendFileSync(log, 'kept\n');
    ensurePrivateFile(log);
    expect(mode(log)).toBe(0o600);
    expect(fs.readFileSync(log, 'utf8')).toBe('kept\n');
    const key = resolveAdminKey({ env: {}, dataDir: path.join(root, 'k') });
    expect(mode(key.file!)).toBe(0o600);
    expect(mode(path.join(root, 'k'))).toBe(0o700);
  });
});
