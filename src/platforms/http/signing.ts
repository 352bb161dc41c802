/**
 * The HMAC and comparison primitives behind every webhook signature, CRC answer and `appsecret_proof`: one
 * HMAC-SHA256 helper and one constant-time comparison, so no verifier rolls its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of the parts, fed in order (no separator is added: callers include their own). */
export function hmacSha256(key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Constant-time equality of two secrets or signatures. Unequal lengths are unequal, but the comparison still runs
 * (the expected value against itself) so the time taken does not reveal how much of a guess was right.
 */
export function safeEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const a = typeof given === 'string' ? Buffer.from(given) : given;
  const b = typeof expected === 'string' ? Buffer.from(expected) : expected;
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
