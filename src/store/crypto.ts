/**
 * AES-256-GCM envelope encryption for secrets at rest (OAuth tokens, PKCE verifiers).
 *
 * - A fresh random 12-byte IV per encryption (GCM must never reuse an IV under one key).
 * - The key id (`kid`) travels beside the ciphertext, so keys can rotate: the first key of the keyring encrypts,
 *   every key decrypts.
 * - Additional authenticated data binds a ciphertext to where it belongs (e.g. `${userId}:${platform}`): copying it
 *   into another user's document makes decryption fail instead of handing over someone else's token.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config';

/** The parsed `TOKEN_ENCRYPTION_KEYS`: 32-byte keys, first one encrypts, all decrypt. */
export type Keyring = NonNullable<Env['TOKEN_ENCRYPTION_KEYS']>;
export type KeyringEntry = Keyring[number];

/** What is stored: every part base64 except the key id. `v` leaves room for another scheme later. */
export interface Envelope {
  v: 1;
  kid: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export type CryptoErrorCode = 'unknown_key' | 'auth_failed' | 'malformed' | 'bad_keyring';

/** Never carries key material or plaintext in its message. */
export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export function assertKeyring(keyring: Keyring): void {
  if (keyring.length === 0) throw new CryptoError('bad_keyring', 'the keyring is empty');
  for (const { kid, key } of keyring) {
    if (key.length !== KEY_BYTES) {
      throw new CryptoError(
        'bad_keyring',
        `key "${kid}" has ${key.length} bytes, AES-256 needs ${KEY_BYTES}`,
      );
    }
  }
}

export interface EncryptRequest {
  keyring: Keyring;
  plaintext: string;
  aad: string;
}

export function encrypt({ keyring, plaintext, aad }: EncryptRequest): Envelope {
  assertKeyring(keyring);
  const { kid, key } = keyring[0]!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    v: 1,
    kid,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

export interface DecryptRequest {
  keyring: Keyring;
  envelope: Envelope;
  aad: string;
}

export function decrypt({ keyring, envelope, aad }: DecryptRequest): string {
  if (!isEnvelope(envelope)) throw new CryptoError('malformed', 'not an encrypted envelope (v1)');
  const entry = keyring.find((k) => k.kid === envelope.kid);
  if (!entry) {
    throw new CryptoError(
      'unknown_key',
      `encrypted with key id "${envelope.kid}", which is not in the keyring ` +
        `(known: ${keyring.map((k) => k.kid).join(', ') || 'none'}); add it back to TOKEN_ENCRYPTION_KEYS`,
    );
  }
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new CryptoError('malformed', 'envelope has a wrong IV or tag length');
  }
  const decipher = createDecipheriv(ALGORITHM, entry.key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(envelope.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    // GCM says only "unable to authenticate": tampered data, a wrong key under a reused kid, or the wrong AAD.
    throw new CryptoError('auth_failed', `ciphertext under key "${envelope.kid}" failed authentication`);
  }
}

export function isEnvelope(value: unknown): value is Envelope {
  const v = value as Partial<Envelope> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.v === 1 &&
    typeof v.kid === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.ciphertext === 'string' &&
    typeof v.tag === 'string'
  );
}

/** True when the envelope is not under the keyring's current (first) key and should be re-encrypted. */
export function needsRotation(keyring: Keyring, envelope: Envelope): boolean {
  return envelope.kid !== keyring[0]?.kid;
}

const DEV_KEY_FILE = 'token-encryption.key';
const DEV_KID = 'dev';

/**
 * Keyring for local runs without TOKEN_ENCRYPTION_KEYS: a random key generated on first use and kept in
 * `{dataDir}/token-encryption.key` (mode 0600), so tokens stored by one run decrypt in the next.
 * Never a hard-coded key: every checkout has its own.
 */
export function devKeyring(dataDir: string): Keyring {
  const file = path.join(dataDir, DEV_KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    // Write a private temp file, then link it into place: link() fails if the key file exists, so two processes
    // starting at once agree on one key and neither can read a half-written file.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, randomBytes(KEY_BYTES).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CryptoError(
      'bad_keyring',
      `${file} does not hold a base64 ${KEY_BYTES}-byte key; delete it to start over`,
    );
  }
  return [{ kid: DEV_KID, key }];
}
