/**
 * `rotate-keys`: re-encrypts every stored token with the first key of the keyring. Run it after putting the new
 * key first in TOKEN_ENCRYPTION_KEYS (old keys stay listed until this has run); it talks to Firestore directly.
 */
import path from 'node:path';
import { firestoreTarget, loadConfig } from '../../config';
import { closeFirestore, createFirestore, createTokenStore, resolveKeyring } from '../../store';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../context';

export async function rotateKeysCommand(ctx: CliContext): Promise<void> {
  const env = { ...ctx.env };
  env.FIRESTORE_EMULATOR_HOST ||= ctx.runtime?.firestore.emulatorHost;
  // Application Default Credentials count as real Firestore too (metadata server on Cloud Run / GKE).
  if (firestoreTarget(env).kind === 'embedded') {
    throw new CliError(
      'no Firestore: set FIRESTORE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_CLOUD_PROJECT on Google Cloud, or run `npm start`',
      EXIT.usage,
    );
  }
  if (env.FIRESTORE_EMULATOR_HOST) process.env.FIRESTORE_EMULATOR_HOST = env.FIRESTORE_EMULATOR_HOST;
  const config = loadConfig(env);
  const { keyring, source } = resolveKeyring({ env: config, dataDir: path.resolve(ctx.dataDir) });
  const db = createFirestore({ projectId: ctx.runtime?.firestore.projectId ?? config.GCLOUD_PROJECT });
  try {
    const rewritten = await createTokenStore({ db, keyring }).rotateKeys();
    if (ctx.json) return ctx.out(JSON.stringify({ rewritten, kid: keyring[0]!.kid, keyring: source }));
    ctx.out(
      `Re-encrypted ${rewritten} token set(s) with key "${keyring[0]!.kid}" (${source === 'env' ? 'TOKEN_ENCRYPTION_KEYS' : 'dev key in the data directory'}).`,
    );
  } finally {
    await closeFirestore(db);
  }
}
