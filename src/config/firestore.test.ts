import { firestoreTarget, googleCloudProject } from './firestore';

describe('firestoreTarget: which Firestore, from the environment alone', () => {
  it.each([
    // [case, environment, expected kind]
    ['nothing set (a laptop)', {}, 'embedded'],
    ['an explicit emulator', { FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080' }, 'emulator'],
    [
      'an explicit emulator wins over credentials and production',
      {
        FIRESTORE_EMULATOR_HOST: 'firestore:8080',
        GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
        NODE_ENV: 'production',
      },
      'emulator',
    ],
    ['a service account key file', { GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa.json' }, 'real'],
    [
      'production, no credentials file (metadata server, workload identity)',
      { NODE_ENV: 'production' },
      'real',
    ],
    ['Cloud Run with a project', { K_SERVICE: 'socialsync', GOOGLE_CLOUD_PROJECT: 'acme' }, 'real'],
    ['GKE with a project', { KUBERNETES_SERVICE_HOST: '10.0.0.1', GCLOUD_PROJECT: 'acme' }, 'real'],
    ['Cloud Run without a project', { K_SERVICE: 'socialsync' }, 'embedded'],
    ['a project alone (no runtime)', { GOOGLE_CLOUD_PROJECT: 'acme' }, 'embedded'],
    [
      'blank values count as unset',
      { FIRESTORE_EMULATOR_HOST: ' ', GOOGLE_APPLICATION_CREDENTIALS: '' },
      'embedded',
    ],
    ['development is not production', { NODE_ENV: 'development', K_SERVICE: '' }, 'embedded'],
  ] as const)('%s', (_case, env, kind) => {
    const target = firestoreTarget(env as Record<string, string>);
    expect(target.kind).toBe(kind);
    expect(target.reason).not.toBe('');
  });

  it('carries the emulator host, trimmed', () => {
    expect(firestoreTarget({ FIRESTORE_EMULATOR_HOST: ' localhost:8686 ' })).toEqual({
      kind: 'emulator',
      host: 'localhost:8686',
      reason: 'FIRESTORE_EMULATOR_HOST is set',
    });
  });

  it('names the runtime it detected', () => {
    expect(firestoreTarget({ K_SERVICE: 's', GOOGLE_CLOUD_PROJECT: 'p' }).reason).toMatch(/Cloud Run/);
    expect(firestoreTarget({ KUBERNETES_SERVICE_HOST: 'h', GOOGLE_CLOUD_PROJECT: 'p' }).reason).toMatch(
      /Kubernetes/,
    );
  });
});

test('googleCloudProject: GCLOUD_PROJECT, else GOOGLE_CLOUD_PROJECT', () => {
  expect(googleCloudProject({})).toBeUndefined();
  expect(googleCloudProject({ GOOGLE_CLOUD_PROJECT: 'a' })).toBe('a');
  expect(googleCloudProject({ GOOGLE_CLOUD_PROJECT: 'a', GCLOUD_PROJECT: 'b' })).toBe('b');
  expect(googleCloudProject({ GCLOUD_PROJECT: ' ', GOOGLE_CLOUD_PROJECT: 'a' })).toBe('a');
});
