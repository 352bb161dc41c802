/**
 * No Docker engine runs here, so docker-compose.yml is checked by parsing it: valid YAML, the services of the
 * production-like topology, and socialsync pointed at them through exactly the contract's variables.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config';
import { repoPath } from '../helpers/servers';

type Service = { image?: string; build?: string; environment?: Record<string, string>; depends_on?: unknown };

const compose = parse(fs.readFileSync(repoPath('docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

test('the topology has Temporal with its database and UI, the Firestore emulator and socialsync', () => {
  expect(Object.keys(compose.services).sort()).toEqual(
    [
      'firestore',
      'postgresql',
      'socialsync',
      'temporal',
      'temporal-admin-tools',
      'temporal-ui',
      'worker',
    ].sort(),
  );
  expect(compose.services.socialsync!.build).toBe('.');
  expect(fs.existsSync(repoPath('Dockerfile'))).toBe(true);
});

test.each(['socialsync', 'worker'])(
  '%s uses the running services, not embedded ones, and only contract variables',
  (name) => {
    const env = compose.services[name]!.environment!;
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.FIRESTORE_EMULATOR_HOST).toBe('firestore:8080');
    const known = new Set(Object.keys(EnvSchema.shape));
    expect(Object.keys(env).filter((variable) => !known.has(variable))).toEqual([]);
  },
);

test('extra workers run the worker entry point', () => {
  const worker = compose.services.worker as Service & { command?: string[] };
  expect(worker.command).toEqual(['npm', 'run', 'worker']);
  const scripts = (
    JSON.parse(fs.readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  expect(scripts.worker).toContain('src/cli/worker.ts');
});

test('the search attributes socialsync filters by are registered', () => {
  const command = JSON.stringify(compose.services['temporal-admin-tools']);
  for (const name of ['UserId', 'Platform', 'SyncMode'])
    expect(command).toContain(`--name ${name} --type Keyword`);
});
