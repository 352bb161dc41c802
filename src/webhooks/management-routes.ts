/**
 * The management API of one connection: status, "sync now" (optionally waiting for the summary) and disconnect.
 */
import { Router, type RequestHandler } from 'express';
import type { Logger } from '../shared/logger';
import { loadReadableTokens } from '../store/token-store';
import type { AccountIndex, TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import { disconnectBusiness } from './business-connect';
import { summarize, type ConnectionRecorder } from './connect-flow';
import type { ConnectorRegistry } from '../platforms/registry';
import { HttpError } from './http-error';
import { bodyOf, connectorFor, parseOr400, SyncBody, SyncQuery, UserId } from './params';
import type { PlatformConnector } from '../platforms/types';
import type { Request } from 'express';
import type { ConnectionKey } from '../domain';

export interface ManagementRoutesDeps {
  connectors: ConnectorRegistry;
  tokenStore: TokenStore;
  accountIndex: AccountIndex;
  syncService: SyncService;
  userAccess: RequestHandler;
  /** Rate limit of end users' writes (after `userAccess`); absent → none. */
  writeLimit?: RequestHandler;
  jsonBody: RequestHandler;
  logger: Logger;
  /** Records `webhooks.subscribed: false` once the platform subscription is removed. */
  connections?: ConnectionRecorder;
}

const CONNECTION = '/api/users/:userId/connections/:platform';

export function managementRoutes(deps: ManagementRoutesDeps): Router {
  const router = Router();
  const log = deps.logger.child({ module: 'management' });
  const writeLimit: RequestHandler = deps.writeLimit ?? ((_req, _res, next) => next());

  const target = (req: Request): { key: ConnectionKey; connector: PlatformConnector } => {
    const userId = parseOr400(UserId, req.params.userId, 'userId');
    const connector = connectorFor(deps.connectors, req.params.platform);
    return { key: { userId, platform: connector.id }, connector };
  };

  /** 404 unless the connection exists and is not disconnected (a sync of nothing would only fail later). */
  const requireConnected = async (key: ConnectionKey): Promise<void> => {
    const status = await deps.syncService.status(key);
    if (!status || status.status === 'disconnected') throw new HttpError(404, 'no such connection');
  };

  router.get(CONNECTION, deps.userAccess, async (req, res) => {
    const { key } = target(req);
    const status = await deps.syncService.status(key);
    if (!status) throw new HttpError(404, 'no such connection');
    res.json(status);
  });

  router.post(`${CONNECTION}/sync`, deps.userAccess, writeLimit, deps.jsonBody, async (req, res) => {
    const { key } = target(req);
    const { wait } = parseOr400(SyncQuery, req.query, 'query');
    const { mode } = parseOr400(SyncBody, bodyOf(req.body), 'body');
    await requireConnected(key);
    const options = { mode: mode ?? 'manual' } as const;
    if (wait === 'true') {
      try {
        res.json(await deps.syncService.syncNowAndWait(key, options));
      } catch (err) {
        // Past the wait deadline the sync goes on: answer as without `wait`, with its handle (finding 7).
        const handle = (err as { name?: string; handle?: { workflowId: string; runId: string } }).handle;
        if ((err as Error).name !== 'SyncWaitTimeoutError' || !handle) throw err;
        res.status(202).json({ workflowId: handle.workflowId, runId: handle.runId, finished: false });
      }
      return;
    }
    res.status(202).json(await deps.syncService.syncNow(key, options));
  });

  router.delete(CONNECTION, deps.userAccess, writeLimit, async (req, res) => {
    const { key, connector } = target(req);
    // A token that cannot be decrypted cannot be revoked either, but must not block the disconnect (finding 5):
    // the engine side and the token document are removed; the grant at the platform is left to expire.
    const { tokens, unreadable } = await loadReadableTokens(deps.tokenStore, key, log);
    const status = await deps.syncService.status(key);
    if (!tokens && !unreadable && (!status || status.status === 'disconnected'))
      throw new HttpError(404, 'no such connection');
    // Engine first: once the schedule and workflow are gone nothing can use the tokens we are about to revoke.
    // Every step is idempotent, so a DELETE that failed half-way is simply repeated.
    await deps.syncService.disconnect(key);
    let revoked = false;
    if (tokens && connector.subscriptions) {
      // Before revoking: the platform needs a working token to remove the webhook subscription.
      try {
        await connector.subscriptions.unsubscribe(tokens);
        await deps.connections?.updateConnection(key, { webhooks: { subscribed: false, error: null } });
      } catch (err) {
        log.warn({ ...key, err: summarize(err) }, 'webhook unsubscription at the platform failed');
      }
    }
    // The connection's second authorization (TikTok Business API) ends with it.
    await disconnectBusiness({ connector, tokenStore: deps.tokenStore, key, logger: log });
    if (tokens) {
      try {
        revoked = await connector.oauth.revoke(tokens);
      } catch (err) {
        // A token the platform already considers dead needs no revocation; the disconnect still goes ahead.
        log.warn({ ...key, err: summarize(err) }, 'revocation at the platform failed');
      }
      await deps.tokenStore.delete(key);
      await deps.accountIndex.remove(key.platform, tokens.accountId, key);
    } else if (unreadable) {
      await deps.tokenStore.delete(key);
      log.warn({ ...key }, 'unreadable token deleted without revocation at the platform');
    }
    log.info({ ...key, revoked }, 'disconnected');
    res.json({ status: 'disconnected', revoked });
  });

  return router;
}
