/**
 * The platform half of the sandbox: routes TikTok's real paths, asks the fault injector first, and writes every
 * request (query, headers, raw body, status, user, whether the caller was rate limited) into the request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveFault } from '../core/faults';
import * as api from './api';
import * as business from './business/routes';
import { BUSINESS_PATHS } from './business/facts';
import type { Call, TikTokContext } from './context';
import { PATHS } from './facts';
import * as oauth from './oauth-routes';
import { sendApiError, sendHtml, sendOAuthError, sendJson } from './responses';

type Style = 'api' | 'oauth' | 'page' | 'business';

interface Route {
  endpoint: string;
  /** How this host answers failures: Display API envelope, OAuth error JSON, or an HTML page. */
  style: Style;
  handle(ctx: TikTokContext, call: Call): void;
}

const entry = (
  method: 'GET' | 'POST',
  path: string,
  style: Style,
  handle: Route['handle'],
): [string, Route] => [`${method} ${path}`, { endpoint: `${method} ${path}`, style, handle }];

/** TikTok's real paths (facts.ts), each answered in the style of its host. */
const ROUTES: Record<string, Route> = Object.fromEntries([
  entry('GET', PATHS.authorize, 'page', oauth.authorizePage),
  entry('POST', PATHS.authorize, 'page', oauth.authorizeDecision),
  entry('POST', PATHS.token, 'oauth', oauth.token),
  entry('POST', PATHS.revoke, 'oauth', oauth.revoke),
  entry('GET', PATHS.userInfo, 'api', api.userInfo),
  entry('POST', PATHS.videoList, 'api', api.videoList),
  entry('POST', PATHS.videoQuery, 'api', api.videoQuery),
  entry('POST', BUSINESS_PATHS.token, 'business', business.token),
  entry('POST', BUSINESS_PATHS.refresh, 'business', business.refreshToken),
  entry('POST', BUSINESS_PATHS.revoke, 'business', business.revoke),
  entry('GET', BUSINESS_PATHS.businessGet, 'business', business.businessGet),
]);

export const TIKTOK_ENDPOINTS = Object.keys(ROUTES);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Renders an injected fault the way this host fails; returns true when the request is answered (or held). */
async function applyFault(fault: ActiveFault, call: Call, style: Style): Promise<boolean> {
  if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  if (fault.timeout) return true; // hold the socket: the client's timeout has to fire
  if (fault.reset) {
    call.req.socket.destroy();
    return true;
  }
  if (fault.rateLimit) {
    // TikTok sends no Retry-After / reset headers: the body is all a client gets.
    if (style === 'business') business.sendBusinessError(call.res, call.logId, 'throttled');
    else if (style === 'api') sendApiError(call.res, call.logId, 'rate_limit_exceeded');
    else
      sendOAuthError(
        call.res,
        call.logId,
        429,
        'rate_limit_exceeded',
        'Too many requests, please retry later.',
      );
    return true;
  }
  if (fault.status !== undefined) {
    const status = fault.status;
    if (style === 'business') {
      // The Business API answers with its envelope; an outage is a 5xx with code 50000.
      business.sendBusinessError(
        call.res,
        call.logId,
        status === 401 ? 'tokenInvalid' : status >= 500 ? 'internal' : 'invalidParams',
        undefined,
        status,
      );
    } else if (style === 'api') {
      const code =
        status === 401
          ? 'access_token_invalid'
          : status === 429
            ? 'rate_limit_exceeded'
            : status < 500
              ? 'invalid_params'
              : 'internal_error';
      sendApiError(call.res, call.logId, code, undefined, status);
    } else if (style === 'oauth') {
      sendOAuthError(
        call.res,
        call.logId,
        status,
        status >= 500 ? 'server_error' : 'invalid_request',
        'Injected failure.',
      );
    } else {
      sendHtml(call.res, status, 'TikTok', '<h1>Something went wrong</h1>');
    }
    return true;
  }
  return false;
}

export function createPlatformHandler(ctx: TikTokContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const key = `${req.method} ${url.pathname}`;
    const route = ROUTES[key];
    const at = ctx.clock.now();
    const rawBody = await readBody(req);
    const call: Call = {
      req,
      res,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      rawBody,
      endpoint: route?.endpoint ?? key,
      logId: ctx.logIds.next(),
      whileRateLimited: false,
    };

    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      ctx.log.record({
        at,
        method: call.method,
        url: req.url ?? '/',
        path: call.path,
        endpoint: call.endpoint,
        query: queryObject(call.query),
        headers: { ...req.headers },
        body: rawBody.toString('utf8'),
        // 0 = no answer (held for a timeout fault, or reset).
        status: res.writableFinished ? res.statusCode : 0,
        whileRateLimited: call.whileRateLimited,
        user: call.user,
      });
    };
    res.on('finish', record);
    res.on('close', record);

    if (!route) {
      sendJson(res, 404, {
        data: {},
        error: { code: 'not_found', message: `No route for ${key}`, log_id: call.logId },
      });
      return;
    }
    const fault = ctx.faults.take(route.endpoint);
    if (fault && (await applyFault(fault, call, route.style))) return;
    try {
      route.handle(ctx, call);
    } catch (err) {
      // A sandbox bug must still look like a platform failure, not hang the client.
      if (res.headersSent) return;
      if (route.style === 'business')
        business.sendBusinessError(res, call.logId, 'internal', (err as Error).message, 500);
      else sendApiError(res, call.logId, 'internal_error', (err as Error).message);
    }
  };
}
