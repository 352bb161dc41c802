/**
 * No Docker engine runs here, so docker-compose.yml is checked by parsing it (YAML merge keys resolved as Compose
 * resolves them): the services of the production topology, current Temporal images without auto-setup or tctl,
 * socialsync pointed at them through exactly the contract's variables, one service and two workers by role, and
 * every published port bound to 127.0.0.1.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config';
import { repoPath } from '../helpers/servers';

type Service = {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  command?: string[] | string;
  stop_grace_period?: string;
};

const compose = parse(fs.readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const SOCIALSYNC = ['service', 'worker-1', 'worker-2'];

test('the topology: Temporal on PostgreSQL with its setup jobs and UI, the Firestore emulator, one service, two workers', () => {
  expect(Object.keys(compose.services).sort()).toEqual(
    [
      'firestore',
      'postgresql',
      'service',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker-1',
      'worker-2',
    ].sort(),
  );
  for (const name of SOCIALSYNC) expect(compose.services[name]!.build).toBe('.');
  expect(fs.existsSync(repoPath('Dockerfile'))).toBe(true);
});

test('current Temporal images: no auto-setup image, no tctl', () => {
  const images = Object.values(compose.services).map((s) => s.image ?? '');
  expect(images.filter((image) => image.includes('auto-setup'))).toEqual([]);
  expect(JSON.stringify(compose.services)).not.toMatch(/\btctl\b/);
  expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:\d/);
  expect(compose.services['temporal-setup']!.image).toMatch(/^temporalio\/admin-tools:\d/);
});

test.each(SOCIALSYNC)(
  '%s uses the running services, not embedded ones, in production, with only contract variables',
  (name) => {
    const env = compose.services[name]!.environment!;
    expect(env.NODE_ENV).toBe('production');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.FIRESTORE_EMULATOR_HOST).toBe('firestore:8080');
    // SOCIALSYNC_ROLE is read by the entry point (src/cli/start.ts) before the configuration; NODE_OPTIONS by Node.
    const known = new Set([...Object.keys(EnvSchema.shape), 'SOCIALSYNC_ROLE', 'NODE_OPTIONS']);
    expect(Object.keys(env).filter((variable) => !known.has(variable))).toEqual([]);
  },
);

test('one service role and two worker roles; workers get time to drain', () => {
  expect(compose.services.service!.environment!.SOCIALSYNC_ROLE).toBe('service');
  for (const name of ['worker-1', 'worker-2']) {
    const worker = compose.services[name]!;
    expect(worker.environment!.SOCIALSYNC_ROLE).toBe('worker');
    expect(worker.environment!.ADMIN_API_KEY).toBeUndefined();
    expect(parseInt(worker.stop_grace_period ?? '10s', 10)).toBeGreaterThanOrEqual(30);
  }
});

test('every published port is bound to 127.0.0.1', () => {
  const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
  expect(ports.length).toBeGreaterThan(0);
  for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
});

test('the search attributes socialsync filters by are registered', () => {
  const command = JSON.stringify(compose.services['temporal-setup']!.command);
  expect(command).toContain('for name in UserId Platform SyncMode');
  expect(command).toContain('search-attribute create --namespace default --name \\"$$name\\" --type Keyword');
});
