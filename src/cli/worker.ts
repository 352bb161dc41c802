/**
 * The `worker` role (`socialsync start --role worker`, `npm run worker`): the workflow worker and the per-platform
 * activity workers, no HTTP service, no embedded servers. This is how socialsync scales: more of these against the
 * same Temporal and Firestore. It needs what a deployment sets (Temporal, Firestore, TOKEN_ENCRYPTION_KEYS, the
 * platforms' credentials or URLs) and serves every configured platform unless SOCIALSYNC_WORKER_PLATFORMS narrows it
 * (e.g. `twitter,tiktok`).
 *
 * A small HTTP server on WORKER_HTTP_PORT answers `/healthz` (the process answers), `/readyz` (the workers run and
 * Temporal and Firestore answer) and `/metrics` (process and Temporal SDK runtime metrics, plus the activities'
 * socialsync metrics) under the same rule as the service's `/metrics` (METRICS_BEARER_TOKEN, else loopback only).
 */
import express from 'express';
import type { Registry } from 'prom-client';
import type { Env } from '../config';
import { PlatformId } from '../platforms/types';
import type { Logger } from '../shared/logger';
import { firestoreReadiness, serve, temporalReadiness, type HttpService } from '../webhooks';
import { DEFAULT_LIMITS } from '../webhooks/deps';
import { errorHandler, notFound } from '../webhooks/http-error';
import { opsRoutes } from '../webhooks/ops-routes';
import { workersReadiness } from '../workers/health';
import { composeEngine, type Engine } from '../workers/compose';

export interface StartWorkerProcessOptions {
  config: Env;
  /** Raw environment: SOCIALSYNC_WORKER_PLATFORMS, SOCIALSYNC_TASK_QUEUE_PREFIX. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logger: Logger;
  /** Registry `/metrics` serves (a ProcessMetricsRegistry in production). */
  registry: Registry;
  /** Address the HTTP server binds (default 0.0.0.0: probes come from outside the container). */
  host?: string;
}

export interface RunningWorkerProcess {
  engine: Engine;
  /** The health and metrics server. */
  http: HttpService;
  taskQueues: string[];
  /** `/readyz` turns 503, polling stops, in-flight activities finish, then every connection closes. Idempotent. */
  close(): Promise<void>;
}

export async function startWorkerProcess(opts: StartWorkerProcessOptions): Promise<RunningWorkerProcess> {
  const { config, env, logger } = opts;
  const log = logger.child({ module: 'worker-process' });
  const port = config.WORKER_HTTP_PORT;
  const only = env.SOCIALSYNC_WORKER_PLATFORMS?.split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => PlatformId.parse(p));

  const engine = await composeEngine({
    config,
    logger,
    dataDir: opts.dataDir,
    platforms: only,
    taskQueuePrefix: env.SOCIALSYNC_TASK_QUEUE_PREFIX?.trim() || undefined,
    registry: opts.registry,
  });
  const workers = workersReadiness(engine.workers);
  const drain = { draining: false };
  let http: HttpService;
  try {
    const app = express();
    app.disable('x-powered-by');
    app.use(
      opsRoutes({
        readiness: [workers, temporalReadiness(engine.client.connection), firestoreReadiness(engine.db)],
        readinessTimeoutMs: DEFAULT_LIMITS.readinessTimeoutMs,
        registry: opts.registry,
        drain,
        metricsBearerToken: config.METRICS_BEARER_TOKEN,
        logger,
      }),
    );
    app.use(notFound);
    app.use(errorHandler(logger));
    http = await serve({ app, port, host: opts.host, drain, logger });
  } catch (err) {
    await engine.close();
    throw err;
  }
  const taskQueues = engine.workers.taskQueues;
  log.info({ taskQueues, port: http.port }, 'worker process polling');

  let closing: Promise<void> | undefined;
  return {
    engine,
    http,
    taskQueues,
    close: () =>
      (closing ??= (async () => {
        // Not ready from the first moment: a balancer or supervisor stops counting on this process.
        workers.markStopping();
        drain.draining = true;
        await engine.close();
        await http.close({ graceMs: 1_000 });
        log.info('worker process stopped');
      })()),
  };
}
