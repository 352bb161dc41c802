/**
 * `createApp(deps)`: the Express app of socialsync — OAuth connect flow, management API, webhooks, ops endpoints.
 * It only wires; each concern lives in its own module.
 */
import express, { type Express } from 'express';
import helmet from 'helmet';
import { cachedAccountIndex } from './account-cache';
import { requireUserAccess, userWriteLimit } from './auth';
import { businessConnectRoutes } from './business-connect';
import { ConnectFlow } from './connect-flow';
import { DEFAULT_LIMITS, type AppDeps } from './deps';
import { errorHandler, notFound } from './http-error';
import { managementRoutes } from './management-routes';
import { socialsyncMetrics } from '../shared/metrics';
import { oauthRoutes } from './oauth-routes';
import { opsRoutes } from './ops-routes';
import { RateLimiter } from './rate-limit';
import { accessLog, requestMetrics } from './request-logging';
import { webhookRoutes } from './webhook-routes';

export function createApp(deps: AppDeps): Express {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const metrics = socialsyncMetrics(deps.registry);
  const logger = deps.logger;
  // One cache shared by the connect flow, the management routes and the webhooks: connects and disconnects made by
  // this app invalidate what its webhooks look up.
  const accountIndex = cachedAccountIndex(deps.accountIndex, { ttlMs: limits.accountCacheTtlMs });
  const publicBaseUrl = deps.config.PUBLIC_BASE_URL ?? `http://localhost:${deps.config.PORT}`;

  const app = express();
  app.disable('x-powered-by');
  // Behind a proxy `req.ip` (the rate limits' key) comes from X-Forwarded-For only through TRUST_PROXY's hops.
  if (deps.config.TRUST_PROXY) app.set('trust proxy', trustProxySetting(deps.config.TRUST_PROXY));
  app.use(helmet());
  app.use(accessLog(logger));
  app.use(requestMetrics(metrics));

  // Bodies are parsed per route: webhooks need the raw bytes, the API small JSON only.
  const jsonBody = express.json({ limit: limits.apiBodyBytes, strict: true, type: () => true });
  const userAccess = requireUserAccess({
    adminApiKey: deps.config.ADMIN_API_KEY,
    idTokens: deps.idTokens,
    logger: logger.child({ module: 'auth' }),
    failuresPerIp: new RateLimiter(limits.authFailuresPerIp),
  });
  // Limits on end users' writes (finding 7 of issue 14); the admin key (service-to-service) is not limited.
  const writesPerIp = new RateLimiter(limits.userWritesPerIp);
  const writeLimit = userWriteLimit({
    perUser: new RateLimiter(limits.userWritesPerUser),
    perIp: writesPerIp,
  });
  const connectLimit = userWriteLimit({
    perUser: new RateLimiter(limits.connectStartsPerUser),
    perIp: writesPerIp,
  });

  app.use(
    opsRoutes({
      readiness: deps.readiness,
      readinessTimeoutMs: limits.readinessTimeoutMs,
      registry: deps.registry,
      drain: deps.drain ?? { draining: false },
      metricsBearerToken: deps.config.METRICS_BEARER_TOKEN,
      logger,
    }),
  );
  app.use(
    webhookRoutes({
      connectors: deps.connectors,
      accountIndex,
      dedupe: deps.dedupe,
      syncService: deps.syncService,
      logger,
      metrics,
      now: deps.now ?? Date.now,
      bodyLimitBytes: limits.webhookBodyBytes,
      deliveryTimeoutMs: limits.webhookDeliveryTimeoutMs,
      batching: {
        windowMs: limits.webhookBatchWindowMs,
        maxEvents: limits.webhookBatchMaxEvents,
        maxInFlight: limits.webhookBatchMaxInFlight,
        maxSignalBytes: limits.webhookSignalMaxBytes,
      },
    }),
  );
  const flow = new ConnectFlow({
    publicBaseUrl,
    stateTtlMs: limits.oauthStateTtlMs,
    oauthStates: deps.oauthStates,
    tokenStore: deps.tokenStore,
    accountIndex,
    syncService: deps.syncService,
    connections: deps.connections,
    logger,
  });
  app.use(
    oauthRoutes({
      connectors: deps.connectors,
      flow,
      userAccess,
      jsonBody,
      limits: [writeLimit, connectLimit],
    }),
  );
  // The optional second authorization (TikTok Business API): its own connect, callback and disconnect routes.
  app.use(
    businessConnectRoutes({
      connectors: deps.connectors,
      publicBaseUrl,
      stateTtlMs: limits.oauthStateTtlMs,
      oauthStates: deps.oauthStates,
      tokenStore: deps.tokenStore,
      syncService: deps.syncService,
      connections: deps.connections,
      userAccess,
      limits: [writeLimit, connectLimit],
      jsonBody,
      logger,
    }),
  );
  app.use(
    managementRoutes({
      connectors: deps.connectors,
      tokenStore: deps.tokenStore,
      accountIndex,
      syncService: deps.syncService,
      connections: deps.connections,
      userAccess,
      writeLimit,
      jsonBody,
      logger,
    }),
  );

  app.use(notFound);
  app.use(errorHandler(logger.child({ module: 'http' })));
  return app;
}

/** `TRUST_PROXY` as Express reads it: a hop count, `true`/`false`, or addresses / subnets / `loopback`. */
export function trustProxySetting(raw: string): number | boolean | string {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}
