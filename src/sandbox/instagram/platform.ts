/**
 * The Instagram platform as a node request handler: OAuth (www.instagram.com/oauth/authorize,
 * api.instagram.com/oauth/access_token), token exchange/refresh and the Graph data endpoints, all on one base URL.
 * Every request is fault-checked first and recorded in the request log when its response closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActiveFault } from '../core/faults';
import { escapeHtml, readBody, redirect, sendHtml, sendJson } from './http-util';
import { LONG_LIVED_EXPIRES_IN } from './auth';
import { endpointName, peekUser, serveGraph, usageHeaders, type GraphRequest } from './graph';
import { MetaError, metaErrors, OAuthCodeError } from './meta-errors';
import { SCOPES } from './facts';
import { APP_KEY, type InstagramSandboxState } from './state';

export function createPlatformHandler(state: InstagramSandboxState) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, metaErrors.unexpected(500).body());
      else res.destroy(err as Error);
    });
  };
}

async function serve(state: InstagramSandboxState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const version = /^(\/v\d+\.\d+)(\/.*)?$/.exec(url.pathname);
  const path = version ? (version[2] ?? '/') : url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const graph: GraphRequest = {
    method,
    path,
    versionPrefix: version?.[1] ?? '',
    origin: `http://${req.headers.host ?? 'localhost'}`,
    // Graph POSTs take their parameters in the query string or as a form body.
    query: {
      ...Object.fromEntries(url.searchParams),
      ...(method === 'POST' && isForm(req) && path !== '/oauth/access_token' && path !== '/oauth/authorize'
        ? form(body)
        : {}),
    },
    headers: req.headers,
    responseHeaders: {},
  };
  const endpoint = endpointName(state, method, path);
  const user = peekUser(state, graph);
  const whileRateLimited =
    state.appLimiter.isLimited(APP_KEY) || (user !== undefined && state.userLimiter.isLimited(user));
  const at = state.clock.now();
  res.on('close', () => {
    state.log.record({
      at,
      method,
      url: req.url ?? '/',
      path: url.pathname,
      endpoint,
      query: graph.query,
      headers: req.headers,
      body: body.toString('utf8'),
      status: res.headersSent ? res.statusCode : 0,
      whileRateLimited,
      user,
    });
  });

  const fault = state.faults.take(endpoint);
  if (fault && (await renderFault(state, fault, res, user))) return;

  try {
    if (path === '/oauth/authorize') return authorize(state, method, graph, body, res);
    if (path === '/oauth/access_token')
      return sendJson(res, 200, undefined, codeExchange(state, method, body));
    if (path === '/access_token') return sendJson(res, 200, exchangeToken(state, graph));
    if (path === '/refresh_access_token') return sendJson(res, 200, refreshToken(state, graph));
    const answer = serveGraph(state, graph);
    for (const [k, v] of Object.entries(graph.responseHeaders)) res.setHeader(k, v);
    sendJson(res, 200, answer);
  } catch (err) {
    for (const [k, v] of Object.entries(graph.responseHeaders)) res.setHeader(k, v);
    if (err instanceof MetaError) {
      for (const [k, v] of Object.entries(err.spec.headers ?? {})) res.setHeader(k, v);
      return sendJson(res, err.spec.status, err.body());
    }
    if (err instanceof OAuthCodeError) return sendJson(res, 400, err.body());
    throw err;
  }
}

/** Renders a fault the way Instagram fails; returns false when the request should still be served (latency only). */
async function renderFault(
  state: InstagramSandboxState,
  fault: ActiveFault,
  res: ServerResponse,
  user: string | undefined,
): Promise<boolean> {
  if (fault.latencyMs) await sleep(fault.latencyMs);
  if (fault.timeout) return true; // hold the socket: the client must time out
  if (fault.reset) {
    res.socket?.destroy();
    return true;
  }
  if (fault.rateLimit) {
    const minutes = Math.max(1, Math.ceil((fault.retryAfterSeconds ?? 60) / 60));
    const err = metaErrors.bucLimit(fault.status ?? 429);
    const headers = usageHeaders(state, user ?? '0', minutes);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, err.spec.status, err.body());
    return true;
  }
  if (fault.status) {
    const err =
      fault.status >= 500
        ? metaErrors.unexpected(fault.status)
        : new MetaError({ status: fault.status, code: 1, message: 'An unknown error occurred' });
    sendJson(res, err.spec.status, err.body());
    return true;
  }
  return false;
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function form(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/** Error page of the authorize dialog (Instagram shows an HTML page, it does not redirect, for bad requests). */
function dialogError(res: ServerResponse, message: string): void {
  sendHtml(
    res,
    400,
    `<!doctype html><title>Error</title><h1>Invalid Request</h1><p>${escapeHtml(message)}</p>`,
  );
}

function authorize(
  state: InstagramSandboxState,
  method: string,
  req: GraphRequest,
  body: Buffer,
  res: ServerResponse,
): void {
  const params = method === 'POST' ? { ...req.query, ...form(body) } : req.query;
  const {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: responseType,
    state: oauthState,
  } = params;
  if (clientId !== state.credentials.clientId)
    return dialogError(res, 'Request parameters are invalid: Invalid platform app');
  if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return dialogError(res, 'Invalid redirect_uri');
  if (state.app.redirectUris.length > 0 && !state.app.redirectUris.includes(redirectUri)) {
    return dialogError(res, 'Invalid redirect_uri: not a valid OAuth redirect URI of this app');
  }
  if (responseType !== 'code') return dialogError(res, 'Invalid response_type: only code is supported');
  const scopes = (params.scope ?? '').split(/[,\s]+/).filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s));
  if (scopes.length === 0 || unknown.length > 0)
    return dialogError(res, `Invalid Scopes: ${unknown.join(', ') || '(none)'}`);

  const target = new URL(redirectUri);
  if (method === 'GET' && !state.autoApprove) {
    const account = state.world.account(state.loggedIn);
    const hidden = Object.entries(params)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return sendHtml(
      res,
      200,
      `<!doctype html><title>Instagram</title><h1>Allow access?</h1>` +
        `<p>Logged in as <b>${escapeHtml(account?.username ?? '?')}</b>. The app asks for: ${escapeHtml(scopes.join(', '))}.</p>` +
        `<form method="POST" action="${req.versionPrefix}/oauth/authorize">${hidden}` +
        `<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Cancel</button></form>`,
    );
  }
  const decision = method === 'GET' ? 'allow' : params.decision;
  if (decision !== 'allow') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_reason', 'user_denied');
    target.searchParams.set('error_description', 'The user denied your request.');
  } else {
    const code = state.auth.issueCode({ accountId: state.loggedIn, clientId, redirectUri, scopes });
    target.searchParams.set('code', code);
  }
  if (oauthState !== undefined) target.searchParams.set('state', oauthState);
  // Instagram appends `#_` to the redirect; clients must strip it.
  redirect(res, `${target.toString()}#_`);
}

/** `POST /oauth/access_token` (form) → short-lived token; errors in the flat `error_type` shape. */
function codeExchange(state: InstagramSandboxState, method: string, body: Buffer): string {
  if (method !== 'POST') throw new OAuthCodeError('Unsupported request method: use POST');
  const f = form(body);
  if (f.client_id !== state.credentials.clientId) throw new OAuthCodeError('Invalid platform app');
  if (f.client_secret !== state.credentials.clientSecret)
    throw new OAuthCodeError('Error validating client secret.');
  if (f.grant_type !== 'authorization_code')
    throw new OAuthCodeError('Unsupported grant_type: expected authorization_code');
  if (!f.code) throw new OAuthCodeError('Missing required parameter: code');
  if (!f.redirect_uri) throw new OAuthCodeError('Missing required parameter: redirect_uri');
  const token = state.auth.redeemCode({ code: f.code, clientId: f.client_id, redirectUri: f.redirect_uri });
  const permissions = token.scopes.join(',');
  // The exchange names the app-scoped id, not the professional account id that `/me?fields=user_id`, graph paths
  // and webhook entries use (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login).
  const userId = state.world.account(token.accountId)!.appScopedId;
  // Written by hand so the legacy shape carries `user_id` as a JSON number too large for a double.
  if (state.app.legacyTokenResponse) {
    return `{"access_token":${JSON.stringify(token.token)},"user_id":${userId}}`;
  }
  return JSON.stringify({ data: [{ access_token: token.token, user_id: userId, permissions }] });
}

function exchangeToken(state: InstagramSandboxState, req: GraphRequest): unknown {
  if (req.method !== 'GET') throw metaErrors.badParam('Unsupported request method');
  if (req.query.grant_type !== 'ig_exchange_token')
    throw metaErrors.badParam('Unsupported grant_type: expected ig_exchange_token');
  if (req.query.client_secret !== state.credentials.clientSecret) {
    throw new MetaError({ status: 400, code: 101, message: 'Error validating client secret.' });
  }
  const long = state.auth.exchange(req.query.access_token ?? '');
  return { access_token: long.token, token_type: 'bearer', expires_in: LONG_LIVED_EXPIRES_IN };
}

function refreshToken(state: InstagramSandboxState, req: GraphRequest): unknown {
  if (req.method !== 'GET') throw metaErrors.badParam('Unsupported request method');
  if (req.query.grant_type !== 'ig_refresh_token')
    throw metaErrors.badParam('Unsupported grant_type: expected ig_refresh_token');
  const token = req.query.access_token ?? /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const fresh = state.auth.refresh(token ?? '');
  return { access_token: fresh.token, token_type: 'bearer', expires_in: LONG_LIVED_EXPIRES_IN };
}
