import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli } from './temporal-cli';

function fakeBinary(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'temporal');
  fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

describe('findTemporalCli looks in the documented order', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-find-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  // No `go` on this PATH, so Go's own directories come only from GOBIN/GOPATH.
  const baseEnv = () => ({ HOME: path.join(root, 'home'), PATH: path.join(root, 'empty') });

  test('TEMPORAL_CLI_PATH first', async () => {
    const explicit = fakeBinary(path.join(root, 'explicit'));
    fakeBinary(path.join(root, 'onpath'));
    const found = await findTemporalCli({
      ...baseEnv(),
      TEMPORAL_CLI_PATH: explicit,
      PATH: path.join(root, 'onpath'),
    });
    expect(found).toEqual({ path: explicit, source: 'TEMPORAL_CLI_PATH' });
  });

  test('a TEMPORAL_CLI_PATH that is not executable is an error, not a silent fallback', async () => {
    await expect(
      findTemporalCli({ ...baseEnv(), TEMPORAL_CLI_PATH: path.join(root, 'missing') }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*not an executable/);
  });

  test('then PATH, then the cache directory, then Go bin', async () => {
    const env = { ...baseEnv(), XDG_CACHE_HOME: path.join(root, 'cache'), GOPATH: path.join(root, 'gopath') };
    expect(await findTemporalCli(env)).toBeUndefined();

    const goBin = fakeBinary(path.join(root, 'gopath', 'bin'));
    expect(await findTemporalCli(env)).toEqual({ path: goBin, source: 'go-bin' });

    const cached = fakeBinary(path.join(root, 'cache', 'socialsync', 'bin'));
    expect(await findTemporalCli(env)).toEqual({ path: cached, source: 'cache' });

    const onPath = fakeBinary(path.join(root, 'onpath'));
    expect(await findTemporalCli({ ...env, PATH: path.join(root, 'onpath') })).toEqual({
      path: onPath,
      source: 'PATH',
    });
  });
});
