/**
 * Login Kit as the sandbox serves it: the consent page at `/v2/auth/authorize/` (www.tiktok.com), and
 * `/v2/oauth/token/` + `/v2/oauth/revoke/` (open.tiktokapis.com) with TikTok's OAuth error bodies.
 */
import { DISPLAY_SCOPES } from './facts';
import { BUSINESS_SCOPES } from './business/facts';
import { verifierMatches } from './auth';
import { formBody, type Call, type TikTokContext } from './context';
import { escapeHtml, redirect, sendHtml, sendJson, sendOAuthError } from './responses';

/** Every scope the sandbox knows: Login Kit + Display API's (facts.ts). */
const KNOWN_SCOPES = new Set<string>(DISPLAY_SCOPES);
/** The same consent page serves the TikTok API for Business app, with its App ID as `client_key` (business/facts.ts). */
const BUSINESS_SCOPE_SET = new Set<string>(BUSINESS_SCOPES);

/** Which app asks: the Login Kit app or the business app (undefined: neither). */
function appOf(ctx: TikTokContext, clientKey: string): 'login' | 'business' | undefined {
  if (clientKey === ctx.credentials.clientId) return 'login';
  if (clientKey === ctx.business.credentials.appId) return 'business';
  return undefined;
}

interface AuthorizeParams {
  clientKey: string;
  scopes: string[];
  responseType: string;
  redirectUri: string;
  state: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

function readAuthorizeParams(params: URLSearchParams): AuthorizeParams {
  return {
    clientKey: params.get('client_key') ?? '',
    scopes: (params.get('scope') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    responseType: params.get('response_type') ?? '',
    redirectUri: params.get('redirect_uri') ?? '',
    state: params.get('state') ?? '',
    codeChallenge: params.get('code_challenge') ?? undefined,
    codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function redirectWith(call: Call, redirectUri: string, params: Record<string, string>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  redirect(call.res, url.toString());
}

/**
 * Problems TikTok shows on its own page (no trustworthy redirect_uri yet) answer HTML; the rest go back to the
 * app as `error` + `error_description` on the redirect, with the state.
 */
function validateAuthorize(ctx: TikTokContext, call: Call, p: AuthorizeParams): boolean {
  const app = appOf(ctx, p.clientKey);
  if (!app) {
    sendHtml(call.res, 400, 'TikTok', '<h1>Something went wrong</h1><p>client_key: invalid</p>');
    return false;
  }
  if (!isHttpUrl(p.redirectUri)) {
    sendHtml(call.res, 400, 'TikTok', '<h1>Something went wrong</h1><p>redirect_uri: invalid</p>');
    return false;
  }
  const fail = (error: string, description: string) => {
    redirectWith(call, p.redirectUri, { error, error_description: description, state: p.state });
    return false;
  };
  if (p.responseType !== 'code') return fail('invalid_request', 'response_type must be code');
  if (p.scopes.length === 0) return fail('invalid_scope', 'scope is required');
  const unknown = p.scopes.find((s) =>
    app === 'business' ? !BUSINESS_SCOPE_SET.has(s) : !KNOWN_SCOPES.has(s) || !ctx.state.appScopes.has(s),
  );
  if (unknown) return fail('invalid_scope', `scope not available for this app: ${unknown}`);
  if (p.codeChallenge !== undefined && p.codeChallengeMethod !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be S256');
  }
  if (!ctx.state.loggedIn || !ctx.world.get(ctx.state.loggedIn)) {
    sendHtml(call.res, 400, 'TikTok', '<h1>Log in to TikTok</h1><p>No sandbox account is logged in.</p>');
    return false;
  }
  return true;
}

function approve(ctx: TikTokContext, call: Call, p: AuthorizeParams): void {
  const openId = ctx.state.loggedIn!;
  call.user = openId;
  if (appOf(ctx, p.clientKey) === 'business') {
    const businessCode = ctx.business.issueCode({
      accountId: openId,
      scopes: p.scopes,
      redirectUri: p.redirectUri,
    });
    return redirectWith(call, p.redirectUri, {
      code: businessCode,
      scopes: p.scopes.join(','),
      state: p.state,
    });
  }
  const code = ctx.auth.issueCode({
    openId,
    scopes: p.scopes,
    redirectUri: p.redirectUri,
    codeChallenge: p.codeChallenge,
  });
  redirectWith(call, p.redirectUri, { code: code.code, scopes: p.scopes.join(','), state: p.state });
}

function consentPage(ctx: TikTokContext, call: Call, p: AuthorizeParams): void {
  const account = ctx.world.get(ctx.state.loggedIn!)!;
  call.user = account.openId;
  const hidden = [...call.query.entries()]
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const scopes = p.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  sendHtml(
    call.res,
    200,
    'Authorize app',
    `<h1>Allow this app to access your TikTok account?</h1>` +
      `<p>Logged in as <b>@${escapeHtml(account.username)}</b></p><ul>${scopes}</ul>` +
      `<form method="POST" action="/v2/auth/authorize/">${hidden}` +
      `<button type="submit" name="decision" value="allow">Allow</button> ` +
      `<button type="submit" name="decision" value="deny">Cancel</button></form>`,
  );
}

/** GET: the consent screen (or an immediate redirect with `autoApprove`). */
export function authorizePage(ctx: TikTokContext, call: Call): void {
  const p = readAuthorizeParams(call.query);
  if (!validateAuthorize(ctx, call, p)) return;
  if (ctx.state.autoApprove) return approve(ctx, call, p);
  consentPage(ctx, call, p);
}

/** POST: the consent form's Allow / Cancel. */
export function authorizeDecision(ctx: TikTokContext, call: Call): void {
  const form = formBody(call);
  const p = readAuthorizeParams(form);
  if (!validateAuthorize(ctx, call, p)) return;
  if (form.get('decision') === 'allow') return approve(ctx, call, p);
  redirectWith(call, p.redirectUri, {
    error: 'access_denied',
    error_description: 'The user denied the authorization request.',
    state: p.state,
  });
}

function clientOk(ctx: TikTokContext, call: Call, form: URLSearchParams): boolean {
  if (
    form.get('client_key') !== ctx.credentials.clientId ||
    form.get('client_secret') !== ctx.credentials.clientSecret
  ) {
    sendOAuthError(call.res, call.logId, 401, 'invalid_client', 'Client key or secret is incorrect.');
    return false;
  }
  return true;
}

function isForm(call: Call): boolean {
  return String(call.req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
}

/** The form of a token/revoke call from the sandbox app, or undefined after answering the OAuth error. */
function clientForm(ctx: TikTokContext, call: Call): URLSearchParams | undefined {
  if (!isForm(call)) {
    sendOAuthError(
      call.res,
      call.logId,
      400,
      'invalid_request',
      'Content-Type must be application/x-www-form-urlencoded.',
    );
    return undefined;
  }
  const form = formBody(call);
  return clientOk(ctx, call, form) ? form : undefined;
}

export function token(ctx: TikTokContext, call: Call): void {
  const form = clientForm(ctx, call);
  if (!form) return;
  const grantType = form.get('grant_type');
  const invalidGrant = (description: string) =>
    sendOAuthError(call.res, call.logId, 400, 'invalid_grant', description);

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return sendOAuthError(call.res, call.logId, 400, 'invalid_request', 'code is required.');
    const record = ctx.auth.takeCode(code);
    if (record === 'unknown') return invalidGrant('Authorization code is invalid.');
    if (record === 'used') return invalidGrant('Authorization code has been used.');
    if (record === 'expired') return invalidGrant('Authorization code is expired.');
    call.user = record.openId;
    if (form.get('redirect_uri') !== record.redirectUri) return invalidGrant('redirect_uri does not match.');
    if (record.codeChallenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (!verifier || !verifierMatches(verifier, record.codeChallenge))
        return invalidGrant('Code verifier is invalid.');
    }
    return sendJson(call.res, 200, ctx.auth.newGrant(record.openId, record.scopes));
  }
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken)
      return sendOAuthError(call.res, call.logId, 400, 'invalid_request', 'refresh_token is required.');
    const issued = ctx.auth.refreshTokens(refreshToken);
    if (issued === 'invalid') return invalidGrant('Refresh token is invalid or expired.');
    call.user = issued.open_id;
    return sendJson(call.res, 200, issued);
  }
  sendOAuthError(
    call.res,
    call.logId,
    400,
    'unsupported_grant_type',
    `grant_type "${grantType ?? ''}" is not supported.`,
  );
}

/** Revokes the whole consent behind the access token; the answer to a success is an empty object. */
export function revoke(ctx: TikTokContext, call: Call): void {
  const form = clientForm(ctx, call);
  if (!form) return;
  const accessToken = form.get('token') ?? '';
  const check = ctx.auth.checkAccess(accessToken);
  if (!check.ok && check.reason !== 'expired') {
    return sendOAuthError(
      call.res,
      call.logId,
      400,
      'invalid_request',
      'The token is invalid or already revoked.',
    );
  }
  if (check.ok) call.user = check.openId;
  ctx.auth.revokeByAccessToken(accessToken);
  sendJson(call.res, 200, {});
}
