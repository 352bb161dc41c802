/**
 * `/healthz` (the process answers), `/readyz` (its dependencies answer), `/metrics` (Prometheus text).
 *
 * `/readyz` is public (load balancers call it without credentials), so it names each dependency with a generic
 * verdict only (`ok` / `unavailable`); the reason (which may hold internal addresses) goes to the log.
 * `/metrics` answers a bearer `METRICS_BEARER_TOKEN` when one is configured, and otherwise loopback callers only
 * (a local Prometheus or sidecar); anyone else gets 401 / 404 (finding 8 of issue 14).
 */
import { Router, type Request } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger';
import { bearerToken, secretsEqual } from './auth';
import type { DrainState, ReadinessCheck } from './deps';
import { HttpError } from './http-error';
import { runReadiness } from './readiness';

export interface OpsRoutesDeps {
  readiness: ReadinessCheck[];
  readinessTimeoutMs: number;
  registry: Registry;
  drain: DrainState;
  /** Bearer token `/metrics` requires; unset → loopback callers only. */
  metricsBearerToken?: string;
  logger: Logger;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The TCP peer is this machine (never X-Forwarded-For, which any caller can write). */
export function isLoopback(req: Request): boolean {
  return LOOPBACK.test(req.socket.remoteAddress ?? '');
}

export function opsRoutes(deps: OpsRoutesDeps): Router {
  const router = Router();
  const log = deps.logger.child({ module: 'ops' });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (deps.drain.draining) {
      res.status(503).json({ status: 'draining', checks: {} });
      return;
    }
    const report = await runReadiness(deps.readiness, deps.readinessTimeoutMs);
    const failed = Object.entries(report.checks).filter(([, v]) => v !== 'ok');
    if (failed.length > 0) log.warn({ checks: Object.fromEntries(failed) }, 'not ready');
    const checks = Object.fromEntries(
      Object.entries(report.checks).map(([name, v]) => [name, v === 'ok' ? 'ok' : 'unavailable']),
    );
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks });
  });

  router.get('/metrics', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (deps.metricsBearerToken) {
      const given = bearerToken(req.get('authorization'));
      if (!given || !secretsEqual(given, deps.metricsBearerToken)) {
        res.set('WWW-Authenticate', 'Bearer');
        throw new HttpError(401, 'metrics need the metrics bearer token');
      }
    } else if (!isLoopback(req)) {
      throw new HttpError(404, 'not found');
    }
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  return router;
}
