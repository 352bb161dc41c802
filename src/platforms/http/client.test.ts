/**
 * The connector HTTP kit against a real local HTTP server (node:http): what is retried and what is not, what each
 * attempt costs in usage, lossless ids, and shape failures. The server scripts each answer in order.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { silentLogger } from '../../shared/logger';
import { isPlatformError, PlatformError } from '../errors';
import type { CallUsage } from '../types';
import {
  createConnectorHttp,
  failsUnless2xx,
  type ConnectorHttp,
  type ConnectorHttpOptions,
  type HttpAnswer,
} from './client';

/** One scripted behaviour per incoming request; the last one repeats. */
type Step =
  { status: number; body?: string; headers?: Record<string, string> } | { hang: true } | { reset: true };

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let script: Step[];
let received: Received[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const step = script[Math.min(received.length - 1, script.length - 1)]!;
      if ('hang' in step) return; // never answers: the client must time out
      if ('reset' in step) {
        req.socket.destroy();
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(step.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  script = [];
  received = [];
});

/** A platform's rules in miniature: 429 throttles, 5xx is transient, other non-2xx is permanent. */
const classify = failsUnless2xx((a: HttpAnswer) => {
  const kind = a.status === 429 ? 'rate_limited' : a.status >= 500 ? 'transient' : 'permanent';
  return new PlatformError(kind, `HTTP ${a.status}`, {
    platform: 'tiktok',
    endpoint: a.endpoint,
    status: a.status,
  });
});

let delays: number[];
function kit(options: Partial<ConnectorHttpOptions> = {}): ConnectorHttp {
  delays = [];
  return createConnectorHttp({
    platform: 'tiktok',
    classify,
    logger: silentLogger,
    now: () => 1_800_000_000_000,
    timeoutMs: 2_000,
    // Delays are recorded, not waited: the tests check the policy, not the clock.
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
}

const Thing = z.object({ id: z.string(), count: z.number() });
const ok = { status: 200, body: '{"id":"a","count":1}' };

async function failure(p: Promise<unknown>): Promise<PlatformError> {
  try {
    await p;
  } catch (err) {
    if (isPlatformError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

function get(http: ConnectorHttp, extra: { usage?: CallUsage; idempotent?: boolean } = {}) {
  return http.request({
    method: 'GET',
    url: `${base}/v2/thing/`,
    endpoint: 'GET /v2/thing/',
    schema: Thing,
    bucket: 'thing',
    idempotent: true,
    ...extra,
  });
}

describe('bounded retries of idempotent calls', () => {
  it('a 500 is retried and the success returned; every attempt is counted in the bucket', async () => {
    script = [{ status: 500, body: '{"error":"boom"}' }, ok];
    const usage: CallUsage = {};
    expect(await get(kit(), { usage })).toEqual({ id: 'a', count: 1 });
    expect(received).toHaveLength(2);
    expect(usage).toEqual({ thing: 2 });
  });

  it('a 5xx that persists fails transient after 1 + 2 attempts, all charged', async () => {
    script = [{ status: 503, body: '<html>down</html>' }];
    const usage: CallUsage = {};
    const err = await failure(get(kit(), { usage }));
    expect(err).toMatchObject({ kind: 'transient', status: 503 });
    expect(received).toHaveLength(3);
    expect(usage).toEqual({ thing: 3 });
  });

  it('a timeout is retried', async () => {
    script = [{ hang: true }, ok];
    const usage: CallUsage = {};
    expect(await get(kit({ timeoutMs: 200 }), { usage })).toEqual({ id: 'a', count: 1 });
    expect(usage).toEqual({ thing: 2 });
  });

  it('a timeout that persists fails transient with ETIMEDOUT', async () => {
    script = [{ hang: true }];
    const err = await failure(get(kit({ timeoutMs: 150, retry: { retries: 1 } })));
    expect(err.kind).toBe('transient');
    expect(err.platformCode).toBe('ETIMEDOUT');
    expect(received).toHaveLength(2);
  });

  it('a connection reset is retried', async () => {
    script = [{ reset: true }, ok];
    expect(await get(kit())).toEqual({ id: 'a', count: 1 });
    expect(received).toHaveLength(2);
  });

  it('a reset that persists fails transient with ECONNRESET and keeps no request details', async () => {
    script = [{ reset: true }];
    const err = await failure(get(kit()));
    expect(err).toMatchObject({ kind: 'transient', platformCode: 'ECONNRESET', endpoint: 'GET /v2/thing/' });
    expect(err.cause).toBeUndefined();
  });

  it('waits a jittered 100-400 ms before each retry (retry n: up to min(400, 100·2ⁿ))', async () => {
    script = [{ status: 500 }];
    await failure(get(kit({ retry: { random: () => 0.999 } })));
    expect(delays).toEqual([200, 400]);
    await failure(get(kit({ retry: { random: () => 0 } })));
    expect(delays).toEqual([100, 100]);
  });

  it('counts and delays are options: no retries at all, or more', async () => {
    script = [{ status: 500 }];
    await failure(get(kit({ retry: { retries: 0 } })));
    expect(received).toHaveLength(1);
    received = [];
    await failure(get(kit({ retry: { retries: 4, minDelayMs: 1, maxDelayMs: 2 } })));
    expect(received).toHaveLength(5);
    expect(delays.every((d) => d >= 1 && d <= 2)).toBe(true);
  });
});

describe('what is never retried', () => {
  it('a 4xx: one attempt, classified by the platform rules', async () => {
    script = [{ status: 400, body: '{"error":"bad"}' }, ok];
    const usage: CallUsage = {};
    expect((await failure(get(kit(), { usage }))).kind).toBe('permanent');
    expect(received).toHaveLength(1);
    expect(usage).toEqual({ thing: 1 });
  });

  it('a 429: rate limits are the workflow budget’s business', async () => {
    script = [{ status: 429 }, ok];
    expect((await failure(get(kit()))).kind).toBe('rate_limited');
    expect(received).toHaveLength(1);
  });

  it('a request not marked idempotent (token exchange, refresh) fails on the first 5xx', async () => {
    script = [{ status: 502 }, ok];
    const err = await failure(
      kit().request({
        method: 'POST',
        url: `${base}/oauth/token/`,
        endpoint: 'POST /oauth/token/',
        form: { grant_type: 'refresh_token', refresh_token: 'r1' },
        schema: z.unknown(),
      }),
    );
    expect(err.kind).toBe('transient');
    expect(received).toHaveLength(1);
  });

  it('a 2xx of the wrong shape → permanent naming the field, not retried', async () => {
    script = [{ status: 200, body: '{"id":"a","count":"many"}' }, ok];
    const err = await failure(get(kit()));
    expect(err).toMatchObject({ kind: 'permanent', endpoint: 'GET /v2/thing/', status: 200 });
    expect(err.message).toContain('"count"');
    expect(received).toHaveLength(1);
  });
});

describe('answers', () => {
  it('big integer ids arrive exact, as strings; small numbers stay numbers', async () => {
    script = [
      { status: 200, body: '{"user_id":17841405793187218,"count":12,"nested":[{"id":9007199254740993}]}' },
    ];
    const body = await kit().request({
      method: 'GET',
      url: `${base}/me`,
      endpoint: 'GET /me',
      schema: z.object({
        user_id: z.string(),
        count: z.number(),
        nested: z.array(z.object({ id: z.string() })),
      }),
    });
    expect(body).toEqual({ user_id: '17841405793187218', count: 12, nested: [{ id: '9007199254740993' }] });
  });

  it('a platform hook can fail a 2xx (an error envelope) and the kit retries it when transient', async () => {
    const envelope = (code: string) => `{"data":{},"error":{"code":"${code}"}}`;
    script = [
      { status: 200, body: envelope('internal_error') },
      { status: 200, body: envelope('ok') },
    ];
    const hook = (a: HttpAnswer) => {
      const code = (a.body as { error?: { code?: string } }).error?.code;
      return code === 'ok'
        ? undefined
        : new PlatformError('transient', code ?? 'unknown', { platform: 'tiktok', endpoint: a.endpoint });
    };
    const body = await kit().request({
      method: 'POST',
      url: `${base}/v2/video/query/`,
      endpoint: 'POST /v2/video/query/',
      json: { filters: { video_ids: ['1'] } },
      schema: z.object({ data: z.object({}) }),
      classify: hook,
      idempotent: true,
    });
    expect(body).toEqual({ data: {} });
    expect(received.map((r) => JSON.parse(r.body))).toEqual([
      { filters: { video_ids: ['1'] } },
      { filters: { video_ids: ['1'] } },
    ]);
    expect(received[0]!.headers['content-type']).toBe('application/json');
  });

  it('a non-JSON error body reaches the classifier as text', async () => {
    script = [{ status: 404, body: '<html>nope</html>' }];
    let seen: unknown;
    await failure(
      kit().request({
        method: 'GET',
        url: `${base}/x`,
        endpoint: 'GET /x',
        schema: z.unknown(),
        classify: (a) => {
          seen = a.body;
          return classify(a);
        },
      }),
    );
    expect(seen).toBe('<html>nope</html>');
  });

  it('sends params with literal commas and colons, form bodies, and the connector headers', async () => {
    script = [{ status: 200, body: '{}' }];
    await kit().request({
      method: 'POST',
      url: `${base}/token`,
      endpoint: 'POST /token',
      params: { fields: 'a,b', start_time: '2026-01-01T00:00:00Z', skipped: undefined },
      headers: { authorization: 'Bearer t' },
      form: { code: 'c d', redirect_uri: 'https://x.example/cb' },
      schema: z.object({}),
    });
    const [r] = received;
    expect(r!.url).toBe('/token?fields=a,b&start_time=2026-01-01T00:00:00Z');
    expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r!.headers['user-agent']).toBe('socialsync/0.1');
    expect(r!.headers.authorization).toBe('Bearer t');
    expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({
      code: 'c d',
      redirect_uri: 'https://x.example/cb',
    });
  });

  it('a counted request without a bucket is a programming error, caught before any call', async () => {
    await expect(
      kit().request({ method: 'GET', url: `${base}/x`, endpoint: 'GET /x', schema: z.unknown(), usage: {} }),
    ).rejects.toThrow('usage bucket');
    expect(received).toHaveLength(0);
  });
});
