/**
 * `POST /api/users/{userId}/connections/{platform}` → `{"authorizeUrl"}`, and the redirect target
 * `GET /oauth/{platform}/callback`, which answers a small HTML page or, with `Accept: application/json`, JSON.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { PlatformId } from '../platforms/types';
import type { ConnectorRegistry } from '../platforms/registry';
import type { ConnectFlow } from './connect-flow';
import { HttpError } from './http-error';
import { renderCallbackPage, platformName } from './oauth-page';
import { bodyOf, CallbackQuery, connectorFor, EmptyBody, parseOr400, UserId } from './params';

export interface OAuthRoutesDeps {
  connectors: ConnectorRegistry;
  flow: ConnectFlow;
  userAccess: RequestHandler;
  jsonBody: RequestHandler;
}

export function oauthRoutes(deps: OAuthRoutesDeps): Router {
  const router = Router();

  router.post(
    '/api/users/:userId/connections/:platform',
    deps.userAccess,
    deps.jsonBody,
    async (req, res) => {
      const userId = parseOr400(UserId, req.params.userId, 'userId');
      const connector = connectorFor(deps.connectors, req.params.platform);
      parseOr400(EmptyBody, bodyOf(req.body), 'body');
      res.json(await deps.flow.start({ userId, connector }));
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
        error: query.error,
        errorDescription: query.error_description ?? query.error_reason,
      });
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
  // Callback pages must not be cached or framed; the URL held a single-use code.
  res.set('Cache-Control', 'no-store');
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(status).json(body.json);
    return;
  }
  const platform = String(req.params.platform);
  res
    .status(status)
    .type('html')
    .send(
      renderCallbackPage({
        ok: !body.failed,
        platform: PlatformId.safeParse(platform).success ? platform : 'the account',
        message: body.message,
      }),
    );
}
