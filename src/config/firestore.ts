/**
 * Which Firestore socialsync uses, decided from the environment alone (docs/deploy.md → Firestore). firebase-admin
 * itself picks the emulator when FIRESTORE_EMULATOR_HOST is set and Application Default Credentials otherwise
 * (GOOGLE_APPLICATION_CREDENTIALS, or the metadata server on Cloud Run, GKE and Compute Engine); this decides only
 * whether `npm start` must first start an emulator of its own.
 */

export type FirestoreTarget =
  /** FIRESTORE_EMULATOR_HOST is set: that emulator, nothing started. */
  | { kind: 'emulator'; host: string; reason: string }
  /** Real Firestore through Application Default Credentials, nothing started. */
  | { kind: 'real'; reason: string }
  /** Nothing says where Firestore is: `npm start` starts an emulator (outside production only). */
  | { kind: 'embedded'; reason: string };

type RawEnv = Record<string, string | undefined>;

const set = (env: RawEnv, name: string): boolean => Boolean(env[name]?.trim());

/** The Google Cloud project: GCLOUD_PROJECT, else GOOGLE_CLOUD_PROJECT (both are read by Google's libraries). */
export function googleCloudProject(env: RawEnv): string | undefined {
  return env.GCLOUD_PROJECT?.trim() || env.GOOGLE_CLOUD_PROJECT?.trim() || undefined;
}

/**
 * The rules, first match wins:
 * 1. `FIRESTORE_EMULATOR_HOST` → that emulator.
 * 2. `GOOGLE_APPLICATION_CREDENTIALS` → real Firestore with that credentials file.
 * 3. `NODE_ENV=production` → real Firestore through ADC (production never starts an emulator).
 * 4. A project (`GOOGLE_CLOUD_PROJECT` or `GCLOUD_PROJECT`) on Cloud Run (`K_SERVICE`) or Kubernetes
 *    (`KUBERNETES_SERVICE_HOST`) → real Firestore through the metadata server's credentials.
 * 5. Otherwise → an embedded emulator (the local default of `npm start`).
 */
export function firestoreTarget(env: RawEnv): FirestoreTarget {
  if (set(env, 'FIRESTORE_EMULATOR_HOST'))
    return {
      kind: 'emulator',
      host: env.FIRESTORE_EMULATOR_HOST!.trim(),
      reason: 'FIRESTORE_EMULATOR_HOST is set',
    };
  if (set(env, 'GOOGLE_APPLICATION_CREDENTIALS'))
    return { kind: 'real', reason: 'GOOGLE_APPLICATION_CREDENTIALS is set' };
  if (env.NODE_ENV?.trim() === 'production') return { kind: 'real', reason: 'NODE_ENV=production' };
  const platform = set(env, 'K_SERVICE')
    ? 'Cloud Run'
    : set(env, 'KUBERNETES_SERVICE_HOST')
      ? 'Kubernetes'
      : '';
  if (platform && googleCloudProject(env))
    return { kind: 'real', reason: `a project on ${platform} (metadata server credentials)` };
  return {
    kind: 'embedded',
    reason: 'no emulator host, credentials or Google Cloud runtime in the environment',
  };
}
