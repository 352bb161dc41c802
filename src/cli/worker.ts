/**
 * `npm run worker`: one more worker process — the workflow worker and the per-platform activity workers, no HTTP
 * service, no embedded servers. This is how socialsync scales: more of these against the same Temporal cluster and
 * Firestore. It needs what a deployment sets (TEMPORAL_ADDRESS, Firestore, TOKEN_ENCRYPTION_KEYS, the platforms'
 * credentials or URLs) and serves every configured platform unless SOCIALSYNC_WORKER_PLATFORMS narrows it
 * (e.g. `twitter,tiktok`). npm starts it with WORKER_NODE_FLAGS (src/workers), which keep it under 512 MB.
 * SIGINT/SIGTERM: stops polling, lets in-flight activities finish, exits 0.
 */
import { getHeapStatistics } from 'node:v8';
import { ConfigError, loadConfig } from '../config';
import { PlatformId } from '../platforms/types';
import { createLogger } from '../shared/logger';
import { WORKER_NODE_FLAGS } from '../workers';
import { composeEngine } from '../workers/compose';
import { resolveDataDir } from './data-dir';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.LOG_LEVEL }).child({ module: 'worker-process' });
  if (!config.TEMPORAL_ADDRESS) {
    logger.error(
      'TEMPORAL_ADDRESS is not set: a worker process joins a running Temporal (npm start embeds one)',
    );
    return 2;
  }
  const heapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  if (heapMb > 1024) {
    logger.warn(
      { heapMb, flags: WORKER_NODE_FLAGS },
      'started without the worker memory flags (npm run worker sets them)',
    );
  }
  const only = process.env.SOCIALSYNC_WORKER_PLATFORMS?.split(',').map((p) => PlatformId.parse(p.trim()));

  const engine = await composeEngine({
    config,
    logger,
    dataDir: resolveDataDir(process.env),
    platforms: only,
    taskQueuePrefix: process.env.SOCIALSYNC_TASK_QUEUE_PREFIX,
  });
  const { workers } = engine;
  logger.info({ taskQueues: workers.taskQueues }, 'worker process polling');

  const stop = () => void workers.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await workers.done;
  await engine.close();
  logger.info('worker process stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message =
      err instanceof ConfigError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`[socialsync worker] ${message}\n`);
    process.exit(1);
  },
);
