import { createHash, randomBytes } from 'node:crypto';
import type { PkceMethod } from '../types';

/** RFC 7636 code verifier: 64 characters of base64url (within the 43..128 the RFC allows). */
export function createCodeVerifier(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * The challenge as the platform wants it: base64url(SHA-256) per RFC 7636 (`S256`), or hex SHA-256 (`S256-hex`),
 * which several implementers report TikTok expects.
 */
export function codeChallenge(verifier: string, method: Exclude<PkceMethod, 'none'>): string {
  const digest = createHash('sha256').update(verifier).digest();
  return method === 'S256' ? digest.toString('base64url') : digest.toString('hex');
}
