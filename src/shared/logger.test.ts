import { Writable } from 'node:stream';
import { createLogger, redactUrl } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info' }, stream), text: () => lines.join('') };
}

test('tokens, secrets, Authorization headers and OAuth codes are redacted at any usual depth', () => {
  const { logger, text } = capture();
  const child = logger.child({ module: 'test' });
  child.info({ access_token: 'AT-1', refreshToken: 'RT-2', client_secret: 'CS-3' }, 'top');
  child.info(
    { tokens: { accessToken: 'AT-4' }, req: { headers: { authorization: 'Bearer AT-5' } } },
    'nested',
  );
  child.info({ exchange: { code: 'CODE-6', code_verifier: 'VER-7' } }, 'oauth');
  child.info({ call: { headers: { authorization: 'Bearer AT-8' } } }, 'call');
  const out = text();
  for (const secret of ['AT-1', 'RT-2', 'CS-3', 'AT-4', 'AT-5', 'CODE-6', 'VER-7', 'AT-8']) {
    expect(out).not.toContain(secret);
  }
  expect(out).toContain('[Redacted]');
  expect(out).toContain('"module":"test"');
});

test('secret query parameters are masked in URLs', () => {
  expect(redactUrl('https://graph.instagram.com/me?fields=id&access_token=IGQ123&appsecret_proof=abc')).toBe(
    'https://graph.instagram.com/me?fields=id&access_token=[Redacted]&appsecret_proof=[Redacted]',
  );
  expect(redactUrl('/oauth/cb?code=XYZ&state=s1')).toBe('/oauth/cb?code=[Redacted]&state=s1');
});

describe('finding 9: redaction by explicit keys at any depth', () => {
  test('keeps network and error codes, redacts OAuth codes under request parts', () => {
    const { logger, text } = capture();
    const netErr = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    logger.warn({ err: netErr, grpc: { code: 14 } }, 'unreachable');
    logger.info({ req: { query: { code: 'OAUTH-CODE-1', state: 's' } } }, 'callback');
    const out = text();
    expect(out).toContain('"code":"ECONNREFUSED"');
    expect(out).toContain('"code":14');
    expect(out).not.toContain('OAUTH-CODE-1');
  });

  test('secrets five levels deep are redacted', () => {
    const { logger, text } = capture();
    logger.info({
      a: { b: { c: { d: { refresh_token: 'RT-DEEP', headers: { Cookie: 'sid=COOKIE-1' } } } } },
    });
    const out = text();
    expect(out).not.toContain('RT-DEEP');
    expect(out).not.toContain('COOKIE-1');
    expect(out).toContain('[Redacted]');
  });

  test('an Axios-like error keeps code and message, never its config, request, response or cause', () => {
    const { logger, text } = capture();
    const axiosLike = Object.assign(new Error('Request failed with status code 400'), {
      name: 'AxiosError',
      code: 'ERR_BAD_REQUEST',
      config: { data: 'grant_type=refresh_token&refresh_token=RT-AXIOS&client_secret=CS-AXIOS' },
      request: { _header: 'POST /oauth2/token\r\nAuthorization: Basic BASIC-AXIOS' },
      response: { status: 400, data: { error: 'invalid_grant' } },
    });
    const wrapped = new Error('token refresh failed', { cause: axiosLike });
    logger.error({ err: wrapped, nested: { failure: axiosLike } }, 'refresh failed');
    // A plain object shaped like a serialized Axios error loses its internals too.
    logger.error({ failure: { message: 'x', code: 'E', config: { headers: { 'X-Key': 'K-PLAIN' } } } });
    const out = text();
    for (const secret of ['RT-AXIOS', 'CS-AXIOS', 'BASIC-AXIOS', 'K-PLAIN'])
      expect(out).not.toContain(secret);
    expect(out).toContain('ERR_BAD_REQUEST');
    expect(out).toContain('Request failed with status code 400');
  });
});
