/** `/healthz` (the process answers), `/readyz` (its dependencies answer), `/metrics` (Prometheus text). */
import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { DrainState, ReadinessCheck } from './deps';
import { runReadiness } from './readiness';

export interface OpsRoutesDeps {
  readiness: ReadinessCheck[];
  readinessTimeoutMs: number;
  registry: Registry;
  drain: DrainState;
}

export function opsRoutes(deps: OpsRoutesDeps): Router {
  const router = Router();

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
    res
      .status(report.ready ? 200 : 503)
      .json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  return router;
}
