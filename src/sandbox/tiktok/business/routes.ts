/**
 * The TikTok API for Business endpoints as the sandbox serves them (facts.ts): the `tt_user` OAuth endpoints with
 * JSON bodies and `GET /business/get/` with the `Access-Token` header, every answer the envelope
 * `{code, message, request_id, data}` with HTTP 200 (code 0 = OK).
 */
import type { ServerResponse } from 'node:http';
import type { Call, TikTokContext } from '../context';
import { sendJson } from '../responses';
import {
  AUDIENCE_FIELDS,
  BUSINESS_ERRORS,
  DAILY_FIELDS,
  PROFILE_FIELDS,
  type BusinessErrorName,
} from './facts';

export function sendEnvelope(res: ServerResponse, requestId: string, data: unknown, status = 200): void {
  sendJson(res, status, { code: 0, message: 'OK', request_id: requestId, data });
}

export function sendBusinessError(
  res: ServerResponse,
  requestId: string,
  name: BusinessErrorName,
  message: string = BUSINESS_ERRORS[name].message,
  status = 200,
): void {
  sendJson(res, status, { code: BUSINESS_ERRORS[name].code, message, request_id: requestId, data: {} });
}

/** The JSON body of an OAuth call, or undefined after answering the error. */
function jsonBody(call: Call): Record<string, unknown> | undefined {
  if (!String(call.req.headers['content-type'] ?? '').includes('application/json')) {
    sendBusinessError(call.res, call.logId, 'invalidParams', 'Content-Type must be application/json.');
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(call.rawBody.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  sendBusinessError(call.res, call.logId, 'invalidParams', 'The request body is not a JSON object.');
  return undefined;
}

const str = (body: Record<string, unknown>, name: string): string | undefined =>
  typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : undefined;

/** The body of a call from the sandbox's business app, or undefined after answering the error. */
function appBody(ctx: TikTokContext, call: Call): Record<string, unknown> | undefined {
  const body = jsonBody(call);
  if (!body) return undefined;
  const { appId, secret } = ctx.business.credentials;
  if (str(body, 'client_id') !== appId || str(body, 'client_secret') !== secret) {
    sendBusinessError(call.res, call.logId, 'noPermission', 'client_id or client_secret is invalid.');
    return undefined;
  }
  return body;
}

/** `POST /open_api/v1.3/tt_user/oauth2/token/`: `auth_code` + `redirect_uri` (required) → tokens. */
export function token(ctx: TikTokContext, call: Call): void {
  const body = appBody(ctx, call);
  if (!body) return;
  if (str(body, 'grant_type') !== 'authorization_code')
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'grant_type must be authorization_code.');
  const code = str(body, 'auth_code');
  const redirectUri = str(body, 'redirect_uri');
  if (!code || !redirectUri)
    return sendBusinessError(
      call.res,
      call.logId,
      'invalidParams',
      'auth_code and redirect_uri are required.',
    );
  const record = ctx.business.takeCode(code);
  if (record === 'expired') return sendBusinessError(call.res, call.logId, 'authCodeExpired');
  if (record === 'unknown' || record === 'used')
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'Authorization code is invalid or used.');
  call.user = record.accountId;
  if (record.redirectUri !== redirectUri)
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'redirect_uri does not match.');
  sendEnvelope(call.res, call.logId, ctx.business.newGrant(record.accountId, record.scopes));
}

/** `POST /open_api/v1.3/tt_user/oauth2/refresh_token/`: a new access AND refresh token; the old one is spent. */
export function refreshToken(ctx: TikTokContext, call: Call): void {
  const body = appBody(ctx, call);
  if (!body) return;
  const refresh = str(body, 'refresh_token');
  if (str(body, 'grant_type') !== 'refresh_token' || !refresh)
    return sendBusinessError(
      call.res,
      call.logId,
      'invalidParams',
      'grant_type refresh_token and refresh_token are required.',
    );
  const issued = ctx.business.refreshTokens(refresh);
  if (issued === 'invalid')
    return sendBusinessError(
      call.res,
      call.logId,
      'invalidParams',
      'Refresh token is invalid, expired or revoked.',
    );
  call.user = ctx.business.accountOf(issued.open_id)?.openId;
  sendEnvelope(call.res, call.logId, issued);
}

/** `POST /open_api/v1.3/tt_user/oauth2/revoke/`: ends the consent; `data: {}`. */
export function revoke(ctx: TikTokContext, call: Call): void {
  const body = appBody(ctx, call);
  if (!body) return;
  const accessToken = str(body, 'access_token');
  if (!accessToken)
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'access_token is required.');
  const check = ctx.business.checkAccess(accessToken);
  if (!check.ok && check.reason !== 'expired') return sendBusinessError(call.res, call.logId, 'tokenInvalid');
  if (check.ok) call.user = check.grant.accountId;
  ctx.business.revokeByAccessToken(accessToken);
  sendEnvelope(call.res, call.logId, {});
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const KNOWN_FIELDS = new Set<string>([...PROFILE_FIELDS, ...AUDIENCE_FIELDS, ...DAILY_FIELDS]);

/** `fields`: a JSON array of names; absent = the default `["display_name","profile_image"]`. */
function readFields(raw: string | null): string[] | 'invalid' {
  if (raw === null) return ['display_name', 'profile_image'];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((f) => typeof f === 'string' && KNOWN_FIELDS.has(f)))
      return parsed as string[];
  } catch {
    // invalid
  }
  return 'invalid';
}

/** `GET /open_api/v1.3/business/get/`: profile, audience (≥ 100 followers) and daily `metrics` for a date range. */
export function businessGet(ctx: TikTokContext, call: Call): void {
  const token = call.req.headers['access-token'];
  if (typeof token !== 'string' || token === '') return sendBusinessError(call.res, call.logId, 'tokenEmpty');
  const check = ctx.business.checkAccess(token);
  if (!check.ok) return sendBusinessError(call.res, call.logId, 'tokenInvalid');
  const account = ctx.world.get(check.grant.accountId);
  call.user = check.grant.accountId;
  if (!account) return sendBusinessError(call.res, call.logId, 'tokenInvalid');
  const businessId = call.query.get('business_id');
  if (!businessId)
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'business_id is required.');
  if (businessId !== check.grant.businessId) return sendBusinessError(call.res, call.logId, 'noPermission');
  // 40 calls per minute per account and endpoint; a refused call is logged as made while limited.
  if (!ctx.business.limiter.tryHit(`${check.grant.accountId}:business/get`)) {
    call.whileRateLimited = true;
    return sendBusinessError(call.res, call.logId, 'throttled');
  }
  const fields = readFields(call.query.get('fields'));
  if (fields === 'invalid')
    return sendBusinessError(
      call.res,
      call.logId,
      'invalidParams',
      'fields must be a JSON array of known fields.',
    );
  const start = call.query.get('start_date');
  const end = call.query.get('end_date');
  if ((start === null) !== (end === null))
    return sendBusinessError(call.res, call.logId, 'invalidParams', 'start_date and end_date go together.');
  const { earliest } = ctx.business.availableDays();
  if (start !== null && end !== null) {
    if (!DATE.test(start) || !DATE.test(end) || start > end)
      return sendBusinessError(
        call.res,
        call.logId,
        'invalidParams',
        'start_date/end_date must be YYYY-MM-DD, start ≤ end.',
      );
    if (start < earliest)
      return sendBusinessError(
        call.res,
        call.logId,
        'invalidParams',
        `start_date must be within the past 60 days (≥ ${earliest}).`,
      );
  }

  const data: Record<string, unknown> = {};
  const audience = ctx.business.audience(account);
  for (const field of fields) {
    if (field === 'is_business_account') data[field] = true;
    else if (field === 'username') data[field] = account.username;
    else if (field === 'display_name') data[field] = account.displayName;
    else if (field === 'profile_image') data[field] = account.avatarUrl;
    else if (field === 'followers_count') data[field] = ctx.world.followerCount(account);
    else if ((AUDIENCE_FIELDS as readonly string[]).includes(field))
      data[field] = audience[field as keyof typeof audience];
  }
  const daily = fields.filter((f) => (DAILY_FIELDS as readonly string[]).includes(f));
  if (start !== null && end !== null && daily.length > 0) {
    const { latest } = ctx.business.availableDays();
    const metrics: Record<string, unknown>[] = [];
    for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
      const date = new Date(t).toISOString().slice(0, 10);
      if (date > latest) break; // insights lag: no row for today yet
      const all = ctx.business.dailyMetrics(account, date);
      metrics.push({ date, ...Object.fromEntries(daily.map((f) => [f, all[f]])) });
    }
    data.metrics = metrics;
  }
  sendEnvelope(call.res, call.logId, data);
}
