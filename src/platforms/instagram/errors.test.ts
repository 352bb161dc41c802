import { networkError } from '../http';
import { classifyFailure, DEFAULT_THROTTLE_MS, retryAtFrom } from './errors';

const now = 1_800_000_000_000;
const meta = (code: number, extra: Record<string, unknown> = {}) => ({
  error: { message: `(#${code}) something`, type: 'OAuthException', code, fbtrace_id: 'AbC', ...extra },
});

describe('classifyFailure', () => {
  it('every 190 needs a new consent: an expired Instagram token cannot be refreshed', () => {
    for (const subcode of [463, 458, 460, 467, undefined]) {
      const err = classifyFailure({
        endpoint: 'GET /me',
        status: 400,
        body: meta(190, { error_subcode: subcode }),
        now,
      });
      expect(err.kind).toBe('reauth_required');
    }
  });

  it('throttle codes become rate_limited with retryAt from the BUC header (minutes)', () => {
    const headers = {
      'x-business-use-case-usage': JSON.stringify({
        '1784': [{ type: 'instagram', call_count: 100, estimated_time_to_regain_access: 12 }],
      }),
    };
    for (const code of [4, 17, 32, 613, 80002]) {
      const err = classifyFailure({ endpoint: 'GET /me', status: 400, body: meta(code), headers, now });
      expect(err.kind).toBe('rate_limited');
      expect(err.retryAt).toBe(now + 12 * 60_000);
      expect(err.platformCode).toBe(code);
    }
  });

  it('falls back to Retry-After, then to a default, when the BUC header names no time', () => {
    expect(retryAtFrom({ 'Retry-After': '30' }, now)).toBe(now + 30_000);
    expect(retryAtFrom({ 'x-business-use-case-usage': 'not json' }, now)).toBe(now + DEFAULT_THROTTLE_MS);
    expect(classifyFailure({ endpoint: 'GET /me', status: 429, body: '', now }).kind).toBe('rate_limited');
  });

  it('5xx, is_transient and codes 1/2 are transient; network failures too', () => {
    expect(
      classifyFailure({ endpoint: 'GET /me', status: 500, body: meta(2, { is_transient: true }), now }).kind,
    ).toBe('transient');
    expect(classifyFailure({ endpoint: 'GET /me', status: 503, body: '<html>', now }).kind).toBe('transient');
    expect(classifyFailure({ endpoint: 'GET /me', status: 400, body: meta(1), now }).kind).toBe('transient');
    // Failures without an answer never reach these rules: the kit makes them transient for every platform.
    const reset = networkError('instagram', 'GET /me', { code: 'ECONNRESET', message: 'socket hang up' });
    expect(reset.kind).toBe('transient');
    expect(reset.message).toContain('ECONNRESET');
    expect(
      networkError('instagram', 'GET /me', { code: 'ETIMEDOUT', message: 'timeout of 50ms exceeded' }).kind,
    ).toBe('transient');
  });

  it('bad parameters and unknown objects are permanent and keep code/subcode', () => {
    const err = classifyFailure({
      endpoint: 'GET /{media-id}',
      status: 400,
      body: meta(100, { error_subcode: 33 }),
      now,
    });
    expect(err.kind).toBe('permanent');
    expect(err.platformCode).toBe('100/33');
    expect(err.endpoint).toBe('GET /{media-id}');
    expect(classifyFailure({ endpoint: 'GET /me', status: 404, body: { odd: true }, now }).kind).toBe(
      'permanent',
    );
  });

  it('code-exchange errors: wrong app credentials are permanent, a bad code needs a new consent', () => {
    const body = (error_message: string) => ({ error_type: 'OAuthException', code: 400, error_message });
    expect(
      classifyFailure({
        endpoint: 'POST /oauth/access_token',
        status: 400,
        body: body('Invalid platform app'),
        now,
      }).kind,
    ).toBe('permanent');
    expect(
      classifyFailure({
        endpoint: 'POST /oauth/access_token',
        status: 400,
        body: body('This authorization code has been used'),
        now,
      }).kind,
    ).toBe('reauth_required');
  });
});
