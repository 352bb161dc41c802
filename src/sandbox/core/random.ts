import { randomBytes, randomInt } from 'node:crypto';

/** Seeded PRNG (mulberry32): the same seed builds the same world, byte for byte. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A digit string of the given length, not starting with 0 (platform ids look like this). */
  digits(length: number): string {
    let s = String(this.int(1, 9));
    while (s.length < length) s += String(this.int(0, 9));
    return s;
  }

  hex(length: number): string {
    let s = '';
    while (s.length < length) s += this.int(0, 15).toString(16);
    return s;
  }
}

/**
 * Secrets of the sandboxes — app secrets, webhook verify tokens, authorization codes, access and refresh tokens —
 * come from the system's cryptographic generator, never from the world's seed: a seeded secret can be computed by
 * anyone who knows the seed (the default seed is 1), and a sandbox reachable from elsewhere would then accept
 * forged tokens and signatures. Only what should look the same on every start (accounts, posts, metrics, client
 * ids) is seeded.
 */
export const secret = {
  hex(length: number): string {
    return randomBytes(Math.ceil(length / 2))
      .toString('hex')
      .slice(0, length);
  },
  /** A digit string of the given length, not starting with 0. */
  digits(length: number): string {
    let s = String(randomInt(1, 10));
    while (s.length < length) s += String(randomInt(0, 10));
    return s;
  },
};
