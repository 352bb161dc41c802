import type { Request } from 'express';
import { isLoopback } from './ops-routes';
import { RateLimiter } from './rate-limit';

describe('finding 7: token buckets', () => {
  test('a full bucket allows its burst, then refuses with the seconds until the next token', () => {
    let t = 0;
    const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 0.5, now: () => t });
    expect([limiter.take('ip'), limiter.take('ip'), limiter.take('ip')]).toEqual([0, 0, 0]);
    expect(limiter.take('ip')).toBe(2);
    expect(limiter.take('other')).toBe(0);
    t += 2_000;
    expect(limiter.peek('ip')).toBe(0);
    expect(limiter.take('ip')).toBe(0);
    expect(limiter.take('ip')).toBe(2);
  });

  test('memory is bounded: the least recently used keys are forgotten', () => {
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 0.001, maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 1_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(100);
    expect(limiter.take('k999')).toBeGreaterThan(0);
  });
});

test('finding 8: /metrics without a token answers only loopback peers (never X-Forwarded-For)', () => {
  const req = (remoteAddress: string) => ({ socket: { remoteAddress } }) as unknown as Request;
  expect(isLoopback(req('127.0.0.1'))).toBe(true);
  expect(isLoopback(req('::1'))).toBe(true);
  expect(isLoopback(req('::ffff:127.0.0.1'))).toBe(true);
  expect(isLoopback(req('10.0.0.5'))).toBe(false);
  expect(isLoopback(req('::ffff:192.168.1.2'))).toBe(false);
});
