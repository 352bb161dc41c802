import { ZodError, z } from 'zod';
import { networkError, shapeError } from '../http';
import { classifyApiError, classifyOAuthError, retryAtFrom } from './errors';

const now = 1_800_000_000_000;
const endpoint = 'GET /v2/user/info/';
const envelope = (code: string) => ({ data: {}, error: { code, message: `${code} message`, log_id: 'L1' } });

describe('classifyApiError', () => {
  it.each([
    [401, 'access_token_invalid', 'token_expired'],
    [401, 'scope_not_authorized', 'reauth_required'],
    [400, 'scope_permission_missed', 'permanent'],
    [400, 'invalid_params', 'permanent'],
    [429, 'rate_limit_exceeded', 'rate_limited'],
    [500, 'internal_error', 'transient'],
  ])('HTTP %i %s → %s', (status, code, kind) => {
    const err = classifyApiError({ endpoint, status, body: envelope(code), now });
    expect(err.kind).toBe(kind);
    expect(err.platformCode).toBe(code);
    expect(err.status).toBe(status);
    expect(err.endpoint).toBe(endpoint);
    expect(err.message).toContain(code);
  });

  it('429 without headers retries after one sliding window (TikTok sends no reset header)', () => {
    const err = classifyApiError({ endpoint, status: 429, body: envelope('rate_limit_exceeded'), now });
    expect(err.retryAt).toBe(now + 60_000);
  });

  it('honours Retry-After in seconds or as a date when a proxy adds one', () => {
    expect(retryAtFrom({ 'Retry-After': '7' }, now)).toBe(now + 7000);
    expect(retryAtFrom({ 'retry-after': new Date(now + 90_000).toUTCString() }, now)).toBe(now + 90_000);
  });

  it('falls back on the status when the body is not the envelope (gateway pages)', () => {
    expect(classifyApiError({ endpoint, status: 502, body: '<html>bad gateway</html>', now }).kind).toBe(
      'transient',
    );
    expect(classifyApiError({ endpoint, status: 503, body: undefined, now }).kind).toBe('transient');
    expect(classifyApiError({ endpoint, status: 404, body: undefined, now }).kind).toBe('permanent');
    expect(classifyApiError({ endpoint, status: 429, body: '', now })).toMatchObject({
      kind: 'rate_limited',
      retryAt: now + 60_000,
    });
  });

  it('an error code inside a 200 still classifies by code', () => {
    expect(
      classifyApiError({ endpoint, status: 200, body: envelope('access_token_invalid'), now }).kind,
    ).toBe('token_expired');
  });
});

describe('classifyOAuthError', () => {
  const body = (error: string) => ({ error, error_description: 'd', log_id: 'L' });
  it('an invalid refresh token needs a new consent', () => {
    expect(
      classifyOAuthError({
        endpoint,
        status: 400,
        body: body('invalid_grant'),
        now,
        grantType: 'refresh_token',
      }).kind,
    ).toBe('reauth_required');
  });
  it('a bad code or bad client is permanent', () => {
    expect(
      classifyOAuthError({
        endpoint,
        status: 400,
        body: body('invalid_grant'),
        now,
        grantType: 'authorization_code',
      }).kind,
    ).toBe('permanent');
    expect(
      classifyOAuthError({
        endpoint,
        status: 401,
        body: body('invalid_client'),
        now,
        grantType: 'refresh_token',
      }).kind,
    ).toBe('permanent');
  });
  it('5xx is transient and 429 rate limited, whatever the body', () => {
    expect(
      classifyOAuthError({ endpoint, status: 503, body: 'oops', now, grantType: 'refresh_token' }).kind,
    ).toBe('transient');
    expect(
      classifyOAuthError({ endpoint, status: 429, body: {}, now, grantType: 'refresh_token' }),
    ).toMatchObject({
      kind: 'rate_limited',
      retryAt: now + 60_000,
    });
  });
});

describe('network and shape errors', () => {
  it.each(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED'])('%s is transient', (code) => {
    const err = networkError('tiktok', endpoint, Object.assign(new Error('socket'), { code }));
    expect(err.kind).toBe('transient');
    expect(err.retryable).toBe(true);
  });

  it('a changed shape is permanent and names the field', () => {
    const result = z
      .object({ data: z.object({ user: z.object({ follower_count: z.number() }) }) })
      .safeParse({
        data: { user: { follower_count: 'many' } },
      });
    const err = shapeError('tiktok', endpoint, result.error as ZodError);
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('data.user.follower_count');
    expect(err.message).toContain(endpoint);
  });
});
