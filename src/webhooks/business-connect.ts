/**
 * The optional second authorization of a connection (TikTok API for Business, `connector.business`):
 *
 * - `POST /api/users/{userId}/connections/{platform}/business` → `{"authorizeUrl"}` (404 unless the platform has
 *   the feature configured and the connection exists);
 * - `GET /oauth/{platform}/business/callback/` ← the consent page's redirect (TikTok wants a redirect URL ending
 *   in `/`); stores the grant encrypted in the token store slot `business`, records `business: {status, error}` on
 *   the connection document and starts a sync so the daily history and audience appear;
 * - `DELETE /api/users/{userId}/connections/{platform}/business` → revokes and removes only this grant.
 * Disconnecting the whole connection revokes it too (`disconnectBusiness`, called by management-routes.ts).
 *
 * It reuses the connect flow's rules (connect-flow.ts): a single-use server-side state from the same OAuth state
 * store, bound to the starting browser by an HttpOnly cookie of its own (admin callers get it as `callbackCookie`);
 * a state issued for the other callback is refused. Tokens never reach logs, answers or the connection document.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { safeEqual } from '../platforms/http';
import { isPlatformError } from '../platforms/errors';
import type { ConnectorRegistry } from '../platforms/registry';
import type { PlatformConnector, SecondaryAuthorization } from '../platforms/types';
import type { Logger } from '../shared/logger';
import type { OAuthStateStore } from '../store';
import { loadReadableTokens } from '../store/token-store';
import type { TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import type { ConnectionKey } from '../domain';
import type { Principal } from './auth';
import { summarize, type ConnectionRecorder } from './connect-flow';
import { parseCookies } from './cookies';
import { HttpError } from './http-error';
import { sendCallbackResult } from './oauth-page';
import { bodyOf, connectorFor, parseOr400, UserId } from './params';

export interface BusinessConnectDeps {
  connectors: ConnectorRegistry;
  publicBaseUrl: string;
  secureCookies?: boolean;
  stateTtlMs: number;
  oauthStates: OAuthStateStore;
  tokenStore: TokenStore;
  syncService: SyncService;
  connections?: ConnectionRecorder;
  userAccess: RequestHandler;
  /** Rate limits of connect starts and writes, run after `userAccess`. */
  limits?: RequestHandler[];
  jsonBody: RequestHandler;
  logger: Logger;
}

const StartBody = z.object({ bindBrowser: z.boolean().optional() }).strict();

/** The redirect back: TikTok names the code `code` on the consent redirect (`auth_code` in the API docs' prose). */
const BusinessCallbackQuery = z.object({
  state: z.string().min(1).max(512).optional(),
  code: z.string().min(1).max(2048).optional(),
  auth_code: z.string().min(1).max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});

export function businessRedirectUri(publicBaseUrl: string, platform: string, slot: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/oauth/${platform}/${slot}/callback/`;
}

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

function secondaryOf(connector: PlatformConnector): SecondaryAuthorization {
  if (!connector.business) {
    throw new HttpError(404, `${connector.id} has no business authorization configured in this deployment`);
  }
  return connector.business;
}

/** The slot's token store; a store without slots cannot hold this grant. */
function slotStore(tokenStore: TokenStore, slot: string): TokenStore {
  const store = tokenStore.forSlot?.(slot);
  if (!store) throw new Error('the token store keeps no second authorizations');
  return store;
}

/**
 * Revokes (where the platform allows) and deletes the connection's second authorization. Resolves whether it was
 * revoked; a failed revocation is logged and the grant deleted anyway (it can no longer be used by us).
 */
export async function disconnectBusiness(opts: {
  connector: PlatformConnector;
  tokenStore: TokenStore;
  key: ConnectionKey;
  logger: Logger;
  connections?: ConnectionRecorder;
}): Promise<{ found: boolean; revoked: boolean }> {
  const business = opts.connector.business;
  const store = business ? opts.tokenStore.forSlot?.(business.slot) : undefined;
  if (!business || !store) return { found: false, revoked: false };
  const { tokens, unreadable } = await loadReadableTokens(store, opts.key, opts.logger);
  if (!tokens && !unreadable) return { found: false, revoked: false };
  let revoked = false;
  if (tokens) {
    try {
      revoked = await business.oauth.revoke(tokens);
    } catch (err) {
      opts.logger.warn({ ...opts.key, err: summarize(err) }, 'business revocation at the platform failed');
    }
  }
  await store.delete(opts.key);
  await opts.connections
    ?.updateConnection(opts.key, { business: { status: 'disconnected', error: null } })
    .catch((err: unknown) =>
      opts.logger.warn({ ...opts.key, err: summarize(err) }, 'business state not recorded'),
    );
  return { found: true, revoked };
}

export function businessConnectRoutes(deps: BusinessConnectDeps): Router {
  const router = Router();
  const log = deps.logger.child({ module: 'oauth-business' });
  const secure = deps.secureCookies ?? deps.publicBaseUrl.startsWith('https:');
  const cookieName = (platform: string, slot: string) =>
    `${secure ? '__Secure-' : ''}socialsync_oauth_${platform}_${slot}`;
  const cookieScope = (platform: string, slot: string) => {
    // Without the trailing slash: the cookie path `/oauth/x/business/callback` also matches `.../callback/`.
    const path = new URL(businessRedirectUri(deps.publicBaseUrl, platform, slot)).pathname.replace(/\/$/, '');
    return `Path=${path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  };

  const target = (req: Request) => {
    const userId = parseOr400(UserId, req.params.userId, 'userId');
    const connector = connectorFor(deps.connectors, req.params.platform);
    const business = secondaryOf(connector);
    return { key: { userId, platform: connector.id } as ConnectionKey, connector, business };
  };

  const requireConnected = async (key: ConnectionKey) => {
    const status = await deps.syncService.status(key);
    if (!status || status.status === 'disconnected') throw new HttpError(404, 'no such connection');
  };

  router.post(
    '/api/users/:userId/connections/:platform/business',
    deps.userAccess,
    ...(deps.limits ?? []),
    deps.jsonBody,
    async (req, res) => {
      const { key, business } = target(req);
      const { bindBrowser = true } = parseOr400(StartBody, bodyOf(req.body), 'body');
      const service = (res.locals.principal as Principal | undefined)?.kind === 'service';
      if (!bindBrowser && !service)
        throw new HttpError(403, 'only the admin key may start a connect that is not bound to a browser');
      await requireConnected(key);
      const redirectUri = businessRedirectUri(deps.publicBaseUrl, key.platform, business.slot);
      const nonce = bindBrowser ? randomBytes(32).toString('base64url') : undefined;
      const state = await deps.oauthStates.create({
        userId: key.userId,
        platform: key.platform,
        redirectUri,
        ...(nonce ? { browserBinding: sha256Hex(nonce) } : {}),
        ttlMs: deps.stateTtlMs,
      });
      const authorizeUrl = business.oauth.authorizeUrl({ state, redirectUri });
      const name = cookieName(key.platform, business.slot);
      if (nonce) {
        const maxAge = Math.ceil(deps.stateTtlMs / 1000);
        res.append(
          'Set-Cookie',
          `${name}=${nonce}; ${cookieScope(key.platform, business.slot)}; Max-Age=${maxAge}`,
        );
      }
      log.info({ ...key, bound: Boolean(nonce) }, 'business authorization started');
      res.set('Cache-Control', 'no-store');
      res.json(service && nonce ? { authorizeUrl, callbackCookie: `${name}=${nonce}` } : { authorizeUrl });
    },
  );

  router.get('/oauth/:platform/business/callback', async (req, res) => {
    try {
      const connector = connectorFor(deps.connectors, req.params.platform);
      const business = secondaryOf(connector);
      const query = parseOr400(BusinessCallbackQuery, req.query, 'callback parameters');
      const connected = await complete(connector, business, query, req.get('cookie'));
      res.append(
        'Set-Cookie',
        `${cookieName(connector.id, business.slot)}=; ${cookieScope(connector.id, business.slot)}; Max-Age=0`,
      );
      respond(req, res, 200, {
        json: { status: 'connected', ...connected },
        message:
          'Your TikTok Business authorization is connected; audience and daily history arrive with the next sync.',
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      respond(req, res, err.status, { json: { error: err.message }, message: err.message, failed: true });
    }
  });

  router.delete(
    '/api/users/:userId/connections/:platform/business',
    deps.userAccess,
    ...(deps.limits?.slice(0, 1) ?? []),
    async (req, res) => {
      const { key, connector } = target(req);
      const { found, revoked } = await disconnectBusiness({
        connector,
        tokenStore: deps.tokenStore,
        key,
        logger: log,
        connections: deps.connections,
      });
      if (!found) throw new HttpError(404, 'no business authorization for this connection');
      log.info({ ...key, revoked }, 'business authorization disconnected');
      res.json({ status: 'disconnected', revoked });
    },
  );

  async function complete(
    connector: PlatformConnector,
    business: SecondaryAuthorization,
    query: z.infer<typeof BusinessCallbackQuery>,
    cookieHeader: string | undefined,
  ) {
    const platform = connector.id;
    if (!query.state) throw new HttpError(400, 'missing state parameter');
    const pending = await deps.oauthStates.consume(query.state, platform);
    if (query.error) {
      const detail = query.error_description ? `: ${query.error_description}` : '';
      throw new HttpError(400, `authorization was not granted (${query.error}${detail})`);
    }
    const redirectUri = businessRedirectUri(deps.publicBaseUrl, platform, business.slot);
    if (!pending || pending.platform !== platform || pending.redirectUri !== redirectUri) {
      throw new HttpError(
        400,
        'unknown, expired or already used state (or one for another connect); start the connection again',
      );
    }
    if (pending.browserBinding !== undefined) {
      const nonce = parseCookies(cookieHeader).get(cookieName(platform, business.slot));
      const bound =
        !!nonce &&
        safeEqual(Buffer.from(sha256Hex(nonce), 'hex'), Buffer.from(pending.browserBinding, 'hex'));
      if (!bound) {
        log.warn({ platform, userId: pending.userId }, 'business callback from another browser refused');
        throw new HttpError(
          403,
          'this browser did not start this connection (or its cookie expired); start the connection again from the app',
        );
      }
    }
    const code = query.code ?? query.auth_code;
    if (!code) throw new HttpError(400, 'missing code parameter');
    const key: ConnectionKey = { userId: pending.userId, platform };
    await requireConnected(key);
    let tokens;
    try {
      tokens = await business.oauth.exchangeCode({ code, redirectUri });
    } catch (err) {
      log.warn({ platform, err: summarize(err) }, 'business code exchange failed');
      if (isPlatformError(err) && !err.retryable)
        throw new HttpError(400, 'the platform refused the authorization code; start the connection again', {
          cause: err,
        });
      throw new HttpError(
        502,
        'the platform did not complete the token exchange; start the connection again',
        {
          cause: err,
        },
      );
    }
    await slotStore(deps.tokenStore, business.slot).save(key, tokens);
    await deps.connections?.updateConnection(key, { business: { status: 'connected', error: null } });
    // The data arrives with a sync; one is started now (best effort: the schedule covers it otherwise).
    const run = await deps.syncService.syncNow(key, { mode: 'manual' }).catch((err: unknown) => {
      log.warn({ ...key, err: summarize(err) }, 'sync after the business connect not started');
      return undefined;
    });
    log.info({ ...key, slot: business.slot }, 'business authorization connected');
    return { ...key, slot: business.slot, ...(run ? { workflowId: run.workflowId, runId: run.runId } : {}) };
  }

  return router;
}

function respond(
  req: Request,
  res: Response,
  status: number,
  body: { json: object; message: string; failed?: boolean },
): void {
  sendCallbackResult(req, res, status, { ...body, platform: 'TikTok Business' });
}
