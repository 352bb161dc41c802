/**
 * `POST /api/users/{userId}/connections/{platform}` → `{"authorizeUrl"}`, and the redirect target
 * `GET /oauth/{platform}/callback`, which answers a small HTML page or, with `Accept: application/json`, JSON.
 *
 * The start also sets the browser-binding cookie the callback requires (connect-flow.ts, finding 3 of issue 14).
 * The admin hand-off: a caller with the admin key also gets that cookie as `callbackCookie` in the answer, to present
 * on the callback itself (the CLI's OAuth driver) or to relay to the user's browser; with the body
 * `{"bindBrowser": false}` it gets a state bound to no browser, for an operator who opens the URL themself.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { PlatformId } from '../platforms/types';
import type { ConnectorRegistry } from '../platforms/registry';
import type { ConnectFlow } from './connect-flow';
import { HttpError } from './http-error';
import { platformName, sendCallbackResult } from './oauth-page';
import { bodyOf, CallbackQuery, connectorFor, parseOr400, UserId } from './params';
import type { Principal } from './auth';
import { z } from 'zod';

export interface OAuthRoutesDeps {
  connectors: ConnectorRegistry;
  flow: ConnectFlow;
  userAccess: RequestHandler;
  jsonBody: RequestHandler;
  /** Rate limits of connect starts, run after `userAccess`. */
  limits?: RequestHandler[];
}

/** No body, `{}`, or (admin key only) `{"bindBrowser": false}`. */
const StartBody = z.object({ bindBrowser: z.boolean().optional() }).strict();

export function oauthRoutes(deps: OAuthRoutesDeps): Router {
  const router = Router();

  router.post(
    '/api/users/:userId/connections/:platform',
    deps.userAccess,
    ...(deps.limits ?? []),
    deps.jsonBody,
    async (req, res) => {
      const userId = parseOr400(UserId, req.params.userId, 'userId');
      const connector = connectorFor(deps.connectors, req.params.platform);
      const { bindBrowser } = parseOr400(StartBody, bodyOf(req.body), 'body');
      const service = (res.locals.principal as Principal | undefined)?.kind === 'service';
      if (bindBrowser === false && !service)
        throw new HttpError(403, 'only the admin key may start a connect that is not bound to a browser');
      const { authorizeUrl, binding } = await deps.flow.start({ userId, connector, bindBrowser });
      if (binding) res.append('Set-Cookie', binding.setCookie);
      res.set('Cache-Control', 'no-store');
      res.json(service && binding ? { authorizeUrl, callbackCookie: binding.cookie } : { authorizeUrl });
    },
  );

  router.get('/oauth/:platform/callback', async (req, res) => {
    const platform = String(req.params.platform);
    try {
      const connector = connectorFor(deps.connectors, platform);
      const query = parseOr400(CallbackQuery, req.query, 'callback parameters');
      const connected = await deps.flow.complete({
        connector,
        state: query.state,
        code: query.code,
        cookieHeader: req.get('cookie'),
        error: query.error,
        errorDescription: query.error_description ?? query.error_reason,
      });
      // Done with: the binding cookie goes (kept after a failure, which may have been a forged request).
      res.append('Set-Cookie', deps.flow.clearedCookie(connector.id));
      respond(req, res, 200, {
        json: { status: 'connected', ...connected },
        message: `Your ${platformName(platform)} account is connected; the first sync has started.`,
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      respond(req, res, err.status, { json: { error: err.message }, message: err.message, failed: true });
    }
  });

  return router;
}

function respond(
  req: Request,
  res: Response,
  status: number,
  body: { json: object; message: string; failed?: boolean },
): void {
  const platform = String(req.params.platform);
  sendCallbackResult(req, res, status, {
    ...body,
    platform: PlatformId.safeParse(platform).success ? platform : 'the account',
  });
}
