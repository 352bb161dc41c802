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
