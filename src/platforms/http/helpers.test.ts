import { createHmac } from 'node:crypto';
import { basicAuth, epochSecondsAt, headerValue, joinUrl, queryString, retryAfterAt } from './headers';
import { parseJsonLossless, quoteBigIntegers } from './json';
import { retryPolicy } from './retry';
import { hmacSha256, safeEqual } from './signing';

const now = 1_800_000_000_000;

describe('parseJsonLossless', () => {
  it('keeps integers of 16+ digits exact as strings, everything else as JSON.parse would', () => {
    expect(
      parseJsonLossless(
        '{"a":17841405793187218,"b":-12345678901234567,"c":42,"d":1.5e3,"e":"17841405793187218"}',
      ),
    ).toEqual({ a: '17841405793187218', b: '-12345678901234567', c: 42, d: 1500, e: '17841405793187218' });
  });

  it('the fallback for runtimes without reviver source text quotes only big integer literals outside strings', () => {
    const text =
      '{"id":17841405793187218,"s":"12345678901234567 \\"x\\" 99999999999999999","n":[1,2.25,-3e21]}';
    expect(quoteBigIntegers(text)).toBe(
      '{"id":"17841405793187218","s":"12345678901234567 \\"x\\" 99999999999999999","n":[1,2.25,-3e21]}',
    );
    expect(JSON.parse(quoteBigIntegers(text))).toEqual({
      id: '17841405793187218',
      s: '12345678901234567 "x" 99999999999999999',
      n: [1, 2.25, -3e21],
    });
  });

  it('throws on invalid JSON', () => {
    expect(() => parseJsonLossless('<html>')).toThrow(SyntaxError);
  });
});

describe('headers', () => {
  it('finds a header case-insensitively in any bag shape', () => {
    expect(headerValue({ 'Retry-After': '7' }, 'retry-after')).toBe('7');
    expect(headerValue({ 'set-cookie': ['a', 'b'] }, 'Set-Cookie')).toBe('a');
    expect(headerValue({ 'x-n': 5 }, 'x-n')).toBe('5');
    expect(headerValue({ 'x-n': null }, 'x-n')).toBeUndefined();
    expect(headerValue(undefined, 'x')).toBeUndefined();
  });

  it('Retry-After as seconds or an HTTP date; garbage and absence are undefined', () => {
    expect(retryAfterAt('7', now)).toBe(now + 7000);
    expect(retryAfterAt(' 0 ', now)).toBe(now);
    expect(retryAfterAt(new Date(now + 90_000).toUTCString(), now)).toBe(now + 90_000);
    expect(retryAfterAt(new Date(now - 90_000).toUTCString(), now)).toBe(now);
    expect(retryAfterAt('soon', now)).toBeUndefined();
    expect(retryAfterAt(undefined, now)).toBeUndefined();
  });

  it('epoch-second resets (x-rate-limit-reset), never before now', () => {
    expect(epochSecondsAt(String(now / 1000 + 600), now)).toBe(now + 600_000);
    expect(epochSecondsAt(String(now / 1000 - 600), now)).toBe(now);
    expect(epochSecondsAt('0', now)).toBeUndefined();
    expect(epochSecondsAt('x', now)).toBeUndefined();
    expect(epochSecondsAt(undefined, now)).toBeUndefined();
  });

  it('query strings keep commas and colons literal; URLs join with one slash', () => {
    expect(
      queryString({ 'tweet.fields': 'a,b', t: '2026-01-01T00:00:00Z', q: 'a b&c', none: undefined }),
    ).toBe('tweet.fields=a,b&t=2026-01-01T00:00:00Z&q=a%20b%26c');
    expect(joinUrl('https://api.example/', '/v2/x/')).toBe('https://api.example/v2/x/');
    expect(joinUrl('https://api.example', 'v2')).toBe('https://api.example/v2');
  });

  it('Basic credentials are base64 of id:secret', () => {
    expect(basicAuth('id', 's3cret')).toEqual({
      authorization: `Basic ${Buffer.from('id:s3cret').toString('base64')}`,
    });
  });
});

describe('signing', () => {
  it('hmacSha256 equals node:crypto over the concatenated parts', () => {
    const body = Buffer.from('{"a":1}');
    expect(hmacSha256('key', '1700000000.', body)).toEqual(
      createHmac('sha256', 'key').update('1700000000.').update(body).digest(),
    );
  });

  it('safeEqual: equal, different and different-length values', () => {
    expect(safeEqual('sha256=abc', 'sha256=abc')).toBe(true);
    expect(safeEqual('sha256=abd', 'sha256=abc')).toBe(false);
    expect(safeEqual('sha256=ab', 'sha256=abc')).toBe(false);
    expect(safeEqual(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
    expect(safeEqual('', 'x')).toBe(false);
  });
});

describe('retryPolicy', () => {
  it('defaults to 2 retries with delays in [100, 200] then [100, 400]', () => {
    const low = retryPolicy({ random: () => 0 });
    const high = retryPolicy({ random: () => 0.999999 });
    expect(low.retries).toBe(2);
    expect([low.delayMs(1), low.delayMs(2)]).toEqual([100, 100]);
    expect([high.delayMs(1), high.delayMs(2), high.delayMs(3)]).toEqual([200, 400, 400]);
  });

  it('never negative or below the floor, whatever the options', () => {
    const p = retryPolicy({ retries: -3, minDelayMs: 50, maxDelayMs: 10 });
    expect(p.retries).toBe(0);
    expect(p.delayMs(1)).toBeGreaterThanOrEqual(50);
  });
});
