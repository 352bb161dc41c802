/**
 * A small in-process rate limiter (finding 7 of issue 14): one token bucket per key (an IP, a user), refilled
 * continuously, in a Map bounded to `maxKeys` entries (the least recently used key is forgotten first, which can
 * only ever give that key a fresh, full bucket). A refused request gets 429 with `Retry-After` in seconds.
 *
 * In-process on purpose: it needs no shared store, and each replica limits what it serves. With N replicas behind
 * a balancer a client gets at most N times the limit (docs/security.md).
 */
import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from './http-error';

export interface BucketOptions {
  /** Burst size: requests allowed at once from a full bucket. */
  capacity: number;
  /** Sustained rate: tokens added per second. */
  refillPerSecond: number;
  /** Most keys remembered (default 10,000). */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly opts: BucketOptions) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Takes one token for `key`: 0 when allowed, otherwise the seconds until a token is available. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.opts.refillPerSecond));
  }

  /** Seconds until `key` may go again without taking a token (0 = now). */
  peek(key: string): number {
    const bucket = this.refilled(key, this.now());
    return bucket.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.opts.refillPerSecond));
  }

  /** Keys currently remembered (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const known = this.buckets.get(key);
    const bucket: Bucket = known
      ? {
          tokens: Math.min(
            this.opts.capacity,
            known.tokens + ((now - known.at) / 1000) * this.opts.refillPerSecond,
          ),
          at: now,
        }
      : { tokens: this.opts.capacity, at: now };
    // Re-inserted so Map order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket;
  }
}

/** 429 with Retry-After (seconds). */
export class RateLimitedError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too many requests; retry later');
    this.name = 'RateLimitedError';
  }
}

export function refuse(res: Response, retryAfterSeconds: number): never {
  res.set('Retry-After', String(retryAfterSeconds));
  throw new RateLimitedError(retryAfterSeconds);
}

/** The client's address as the socket sees it (Express `trust proxy` decides whether X-Forwarded-For counts). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Middleware taking one token from each limiter for the keys `keysOf` names (skipped when it names none); the first
 * empty bucket refuses the request.
 */
export function rateLimit(
  checks: { limiter: RateLimiter; key: (req: Request, res: Response) => string | undefined }[],
): RequestHandler {
  return (req, res, next) => {
    for (const { limiter, key } of checks) {
      const k = key(req, res);
      if (k === undefined) continue;
      const wait = limiter.take(k);
      if (wait > 0) refuse(res, wait);
    }
    next();
  };
}
