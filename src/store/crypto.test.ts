import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  CryptoError,
  decrypt,
  devKeyring,
  encrypt,
  needsRotation,
  type Envelope,
  type Keyring,
} from './crypto';

const key = (kid: string) => ({ kid, key: randomBytes(32) });
const SECRET = 'EAAB-very-secret-access-token';
const AAD = 'user-1:instagram';

function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CryptoError);
  expect((caught as CryptoError).code).toBe(code);
  // Error messages must never leak the secret.
  expect((caught as Error).message).not.toContain(SECRET);
}

/** Flips one bit of a base64 field. */
function flip(b64: string, byte = 0): string {
  const buf = Buffer.from(b64, 'base64');
  buf[byte] = buf[byte]! ^ 0x01;
  return buf.toString('base64');
}

describe('encrypt / decrypt', () => {
  const keyring: Keyring = [key('k2'), key('k1')];

  it('round-trips under the first key and names it', () => {
    const envelope = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    expect(envelope.kid).toBe('k2');
    expect(envelope.v).toBe(1);
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(JSON.stringify(envelope)).not.toContain(SECRET);
    expect(decrypt({ keyring, envelope, aad: AAD })).toBe(SECRET);
  });

  it('uses a fresh IV for every encryption', () => {
    const a = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    const b = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it.each<[string, (e: Envelope) => Envelope]>([
    ['ciphertext', (e) => ({ ...e, ciphertext: flip(e.ciphertext, 3) })],
    ['tag', (e) => ({ ...e, tag: flip(e.tag) })],
    ['iv', (e) => ({ ...e, iv: flip(e.iv) })],
  ])('fails authentication when the %s is tampered with', (_field, tamper) => {
    const envelope = tamper(encrypt({ keyring, plaintext: SECRET, aad: AAD }));
    expectCryptoError(() => decrypt({ keyring, envelope, aad: AAD }), 'auth_failed');
  });

  it('fails with the wrong AAD (a ciphertext moved to another connection)', () => {
    const envelope = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    expectCryptoError(() => decrypt({ keyring, envelope, aad: 'user-2:instagram' }), 'auth_failed');
    expectCryptoError(() => decrypt({ keyring, envelope, aad: 'user-1:twitter' }), 'auth_failed');
  });

  it('fails when a different key hides behind the same kid', () => {
    const envelope = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    expectCryptoError(() => decrypt({ keyring: [key('k2')], envelope, aad: AAD }), 'auth_failed');
  });

  it('names an unknown key id clearly', () => {
    const envelope = encrypt({ keyring: [key('gone')], plaintext: SECRET, aad: AAD });
    let message = '';
    try {
      decrypt({ keyring, envelope, aad: AAD });
    } catch (err) {
      message = (err as Error).message;
      expect((err as CryptoError).code).toBe('unknown_key');
    }
    expect(message).toContain('"gone"');
    expect(message).toContain('k2, k1');
  });

  it('rejects malformed envelopes and bad keyrings', () => {
    const envelope = encrypt({ keyring, plaintext: SECRET, aad: AAD });
    expectCryptoError(
      () => decrypt({ keyring, envelope: { ...envelope, iv: 'AAAA' }, aad: AAD }),
      'malformed',
    );
    expectCryptoError(
      () => decrypt({ keyring, envelope: { ...envelope, v: 2 } as unknown as Envelope, aad: AAD }),
      'malformed',
    );
    expectCryptoError(() => encrypt({ keyring: [], plaintext: SECRET, aad: AAD }), 'bad_keyring');
    expectCryptoError(
      () => encrypt({ keyring: [{ kid: 'short', key: randomBytes(16) }], plaintext: SECRET, aad: AAD }),
      'bad_keyring',
    );
  });
});

describe('rotation', () => {
  it('old ciphertexts stay readable after a new key is prepended, and are flagged for re-encryption', () => {
    const old = key('2024');
    const envelope = encrypt({ keyring: [old], plaintext: SECRET, aad: AAD });
    const rotated: Keyring = [key('2025'), old];
    expect(needsRotation(rotated, envelope)).toBe(true);
    const plaintext = decrypt({ keyring: rotated, envelope, aad: AAD });
    const reencrypted = encrypt({ keyring: rotated, plaintext, aad: AAD });
    expect(reencrypted.kid).toBe('2025');
    expect(needsRotation(rotated, reencrypted)).toBe(false);
    // Once the old key is retired, only the re-encrypted copy is readable.
    expect(decrypt({ keyring: [rotated[0]!], envelope: reencrypted, aad: AAD })).toBe(SECRET);
    expectCryptoError(() => decrypt({ keyring: [rotated[0]!], envelope, aad: AAD }), 'unknown_key');
  });
});

describe('devKeyring', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-keyring-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a random private key once and reuses it', () => {
    const first = devKeyring(path.join(dir, 'data'));
    const file = path.join(dir, 'data', 'token-encryption.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first[0]!.key).toHaveLength(32);
    const second = devKeyring(path.join(dir, 'data'));
    expect(second[0]!.key.equals(first[0]!.key)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual(['token-encryption.key']);
  });

  it('differs between data dirs (no hard-coded key)', () => {
    const a = devKeyring(path.join(dir, 'a'));
    const b = devKeyring(path.join(dir, 'b'));
    expect(a[0]!.key.equals(b[0]!.key)).toBe(false);
  });

  it('refuses a corrupt key file', () => {
    fs.writeFileSync(path.join(dir, 'token-encryption.key'), 'not-a-key');
    expectCryptoError(() => devKeyring(dir), 'bad_keyring');
  });
});
