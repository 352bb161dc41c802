import { PlatformError } from './errors';

test('finding 9: a PlatformError keeps its cause as name, message and code only (no Axios config)', () => {
  const axiosLike = Object.assign(new Error('Request failed with status code 401'), {
    name: 'AxiosError',
    code: 'ERR_BAD_REQUEST',
    config: {
      data: 'refresh_token=RT-SECRET&client_secret=CS-SECRET',
      headers: { Authorization: 'Bearer AT' },
    },
    response: { status: 401 },
  });
  const err = new PlatformError('reauth_required', 'token revoked', {
    platform: 'twitter',
    endpoint: 'POST /2/oauth2/token',
    status: 401,
    cause: axiosLike,
  });
  const cause = err.cause as Error & Record<string, unknown>;
  expect(cause.message).toBe('Request failed with status code 401');
  expect(cause.name).toBe('AxiosError');
  expect(cause.code).toBe('ERR_BAD_REQUEST');
  expect(cause.config).toBeUndefined();
  expect(cause.response).toBeUndefined();
  expect(JSON.stringify({ ...err, cause: { ...cause } })).not.toMatch(/RT-SECRET|CS-SECRET/);
  expect(
    new PlatformError('transient', 'x', { platform: 'tiktok', endpoint: 'GET /' }).cause,
  ).toBeUndefined();
});
