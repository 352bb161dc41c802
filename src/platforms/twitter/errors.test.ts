import { ZodError } from 'zod';
import { networkError, shapeError } from '../http';
import { classifyApiFailure, classifyOAuthFailure, retryAtFrom } from './errors';
import { TimelineResponse } from './schemas';

const now = Date.parse('2026-03-01T00:00:00Z');
const endpoint = 'GET /2/users/:id/tweets';
const unauthorized = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };
const tooMany = { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' };

describe('classifyApiFailure', () => {
  it('429 → rate_limited at x-rate-limit-reset (epoch seconds → ms)', () => {
    const err = classifyApiFailure({
      endpoint,
      status: 429,
      body: tooMany,
      headers: { 'x-rate-limit-reset': String(now / 1000 + 600) },
      now,
    });
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAt).toBe(now + 600_000);
    expect(err.endpoint).toBe(endpoint);
  });

  it('429 without a reset header → one full 15-minute window', () => {
    expect(retryAtFrom({}, now)).toBe(now + 15 * 60_000);
    expect(classifyApiFailure({ endpoint, status: 429, body: tooMany, now }).retryAt).toBe(now + 900_000);
  });

  it('401 → token_expired (X sends the same body for expired and revoked tokens)', () => {
    expect(classifyApiFailure({ endpoint, status: 401, body: unauthorized, now }).kind).toBe('token_expired');
  });

  it('403 → reauth_required for a missing scope, permanent for an app problem', () => {
    expect(
      classifyApiFailure({
        endpoint,
        status: 403,
        body: { title: 'Forbidden', type: 'about:blank', status: 403 },
        now,
      }).kind,
    ).toBe('reauth_required');
    const appForbidden = {
      title: 'Client Forbidden',
      type: 'https://api.twitter.com/2/problems/client-forbidden',
      detail: 'not attached to a project',
    };
    expect(classifyApiFailure({ endpoint, status: 403, body: appForbidden, now }).kind).toBe('permanent');
  });

  it('5xx → transient, 400 → permanent', () => {
    expect(classifyApiFailure({ endpoint, status: 503, body: undefined, now }).kind).toBe('transient');
    expect(classifyApiFailure({ endpoint, status: 500, body: '<html>', now }).kind).toBe('transient');
    const invalid = {
      errors: [{ message: 'bad' }],
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.twitter.com/2/problems/invalid-request',
    };
    const err = classifyApiFailure({ endpoint, status: 400, body: invalid, now });
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('One or more parameters');
  });
});

describe('classifyOAuthFailure', () => {
  const tokenEndpoint = 'POST /2/oauth2/token';
  it('a dead refresh token → reauth_required', () => {
    const body = { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' };
    expect(
      classifyOAuthFailure({ endpoint: tokenEndpoint, status: 400, body, now, grant: 'refresh_token' }).kind,
    ).toBe('reauth_required');
  });
  it('a bad code → permanent; bad client credentials → permanent; 5xx → transient', () => {
    const body = {
      error: 'invalid_request',
      error_description: 'Value passed for the authorization code was invalid.',
    };
    expect(
      classifyOAuthFailure({ endpoint: tokenEndpoint, status: 400, body, now, grant: 'authorization_code' })
        .kind,
    ).toBe('permanent');
    const client = { error: 'unauthorized_client', error_description: 'Missing valid authorization header' };
    expect(
      classifyOAuthFailure({
        endpoint: tokenEndpoint,
        status: 401,
        body: client,
        now,
        grant: 'refresh_token',
      }).kind,
    ).toBe('permanent');
    expect(
      classifyOAuthFailure({
        endpoint: tokenEndpoint,
        status: 502,
        body: undefined,
        now,
        grant: 'refresh_token',
      }).kind,
    ).toBe('transient');
  });
});

describe('network and shape failures', () => {
  it('timeouts and resets → transient', () => {
    for (const code of ['ETIMEDOUT', 'ECONNABORTED', 'ECONNRESET', 'ECONNREFUSED']) {
      const err = networkError('twitter', endpoint, { code, message: 'boom' });
      expect(err.kind).toBe('transient');
      expect(err.platformCode).toBe(code);
    }
  });

  it('a changed shape → permanent naming endpoint and field', () => {
    const parsed = TimelineResponse.safeParse({
      data: [{ id: '1', text: 'x', public_metrics: { like_count: 'many' } }],
    });
    expect(parsed.success).toBe(false);
    const err = shapeError('twitter', endpoint, parsed.error as ZodError);
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('GET /2/users/:id/tweets');
    expect(err.message).toContain('data.0.public_metrics.like_count');
  });
});
