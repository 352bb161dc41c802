/**
 * `socialsync start [--role all|service|worker]` (or SOCIALSYNC_ROLE; `npm start` is the `all` role):
 *
 * - `all` (the local default): everything in one process on embedded defaults (launch.ts) — the servers the
 *   environment leaves unset, the workers, the HTTP service and the demo user — with a banner of where everything is.
 *   Logs (pino JSON) go to `<dataDir>/socialsync.log` unless NODE_ENV=production, where they go to stdout; this
 *   terminal shows progress only.
 * - `service`: the HTTP service and a Temporal client only; its syncs run in worker processes.
 * - `worker`: the workers only, with `/healthz`, `/readyz` and `/metrics` on WORKER_HTTP_PORT (worker.ts).
 *
 * `service` and `worker` start nothing embedded: they join the Temporal, Firestore and platforms the environment
 * names, and log to stdout. Every role stops on SIGINT or SIGTERM: an interrupt at any moment, even in the middle of
 * starting, ends everything this process started within STOP_DEADLINE_MS; a second interrupt exits at once.
 */
import { once } from 'node:events';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import { ConfigError, loadConfig, productionProblems, type Env } from '../config';
import { freePort } from '../infra/ports';
import { platformDescriptors } from '../platforms/registry';
import { createLogger, type Logger } from '../shared/logger';
import { WORKER_NODE_FLAGS } from '../workers';
import { ProcessMetricsRegistry, temporalRuntimeTelemetry } from '../workers/health';
import { ServiceApi } from './api';
import { ensurePrivateDir, ensurePrivateFile, resolveDataDir } from './data-dir';
import { DEMO_USER_ID, launch, StartInterrupted, waitForDemoSyncs, type Launched } from './launch';
import { startService } from './service';
import { startWorkerProcess } from './worker';

export const ROLES = ['all', 'service', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Longest an orderly stop may take after the first interrupt before the process exits anyway. The guards of the
 * embedded servers then stop them within their own 5 s, so everything is gone within 15 s of the interrupt.
 */
export const STOP_DEADLINE_MS = 9_000;

/** How long in-flight activities may finish when `npm start` stops (a deployment's workers keep the default). */
export const START_SHUTDOWN_GRACE_MS = 3_000;

export class UsageError extends Error {}

/** `--role X` / `--role=X` in `argv`, else SOCIALSYNC_ROLE, else `all`. */
export function resolveRole(argv: readonly string[], env: NodeJS.ProcessEnv): Role {
  let given: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--role') given = argv[i + 1] ?? '';
    else if (arg.startsWith('--role=')) given = arg.slice('--role='.length);
  });
  if (given === '') throw new UsageError(`--role needs a value (${ROLES.join(', ')})`);
  const role = (given ?? env.SOCIALSYNC_ROLE?.trim()) || 'all';
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`unknown role "${role}" (expected ${ROLES.join(', ')})`);
  return role as Role;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => say(`[socialsync] ${line}`);

function banner(l: Launched): string {
  const r = l.runtime;
  const rows: [string, string][] = [
    ['Service', r.serviceUrl],
    ['Web page', `${r.dashboardUrl}  (log in with the admin API key)`],
    [
      'Temporal',
      `${r.temporal.address} namespace ${r.temporal.namespace}${r.temporal.embedded ? ' (embedded dev server)' : ''}`,
    ],
  ];
  if (r.temporal.uiUrl) rows.push(['Temporal UI', r.temporal.uiUrl]);
  rows.push([
    'Firestore',
    r.firestore.emulatorHost
      ? `emulator ${r.firestore.emulatorHost}, project ${r.firestore.projectId}${r.firestore.embedded ? ' (embedded)' : ''}`
      : `project ${r.firestore.projectId} (Application Default Credentials)`,
  ]);
  for (const [platform, url] of Object.entries(r.sandboxes)) rows.push([`Sandbox ${platform}`, url]);
  if (l.adminKey.created)
    rows.push(['Admin API key', `${l.adminKey.key}  (new; kept in ${l.adminKey.file})`]);
  else if (l.adminKey.source === 'file') rows.push(['Admin API key', `in ${l.adminKey.file}`]);
  else rows.push(['Admin API key', 'from ADMIN_API_KEY']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/**
 * The Temporal SDK runtime, once per process, before any worker connection: its log lines join ours, its metrics
 * go to a loopback Prometheus exporter that `/metrics` includes, and it handles no signals itself — by default it
 * shuts the workers down on SIGINT, under an HTTP service that is still answering requests that wait for them
 * (what made Ctrl-C during `npm start` hang for a minute). This process decides the order of its own stop.
 */
async function installTemporalRuntime(logger: Logger): Promise<string> {
  const temporalLog = logger.child({ module: 'temporal-sdk' });
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const port = await freePort();
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) =>
      temporalLog[levels[entry.level]](entry.meta ?? {}, entry.message),
    ),
    shutdownSignals: [],
    telemetryOptions: temporalRuntimeTelemetry(port),
  });
  return `http://127.0.0.1:${port}/metrics`;
}

/** What a running role gives back: how to stop it, and a promise that settles if it ends on its own. */
interface Running {
  stop(): Promise<void>;
  /** Rejects (or resolves) when the role's workers end without being asked to. */
  ended?: Promise<void>;
}

export interface StartOptions {
  role: Role;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs one role until SIGINT or SIGTERM and resolves with the exit code once everything it started has stopped
 * (0 after an orderly stop, 1 when something failed, 2 for a configuration error).
 */
export async function runStart(opts: StartOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const { role } = opts;
  const production = env.NODE_ENV === 'production';
  // NODE_ENV=production with a dev fallback needed: name every missing setting and start nothing, not even the
  // data directory (src/config/production.ts; a worker serves no management API and needs no admin key).
  const refused = productionProblems(env, platformDescriptors(), role);
  if (refused.length > 0) {
    say(new ConfigError(refused).message);
    return 2;
  }
  const dataDir = resolveDataDir(env);
  const interactive = role === 'all';

  let logger: Logger;
  let config: Env | undefined;
  if (interactive) {
    ensurePrivateDir(dataDir);
    const logFile = path.join(dataDir, 'socialsync.log');
    if (!production) ensurePrivateFile(logFile);
    let destination: ReturnType<typeof pino.destination> | undefined;
    if (!production) {
      destination = pino.destination({ dest: logFile, sync: false });
      // Until the file is open, a flush (at exit, even a quick one after a refusal) throws.
      await once(destination, 'ready');
    }
    logger = createLogger({}, destination);
    progress(`data directory ${dataDir}${production ? '' : `; logs in ${logFile}`}`);
  } else {
    try {
      config = loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        return 2;
      }
      throw err;
    }
    logger = createLogger({ level: config.LOG_LEVEL });
  }
  const log = logger.child({ module: 'start', role });
  const note = (line: string) => (interactive ? progress(line) : log.info(line));

  const stopping = new AbortController();
  let running: Running | undefined;
  let firstSignalAt = 0;
  let resolveExit!: (code: number) => void;
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopped: Promise<void> | undefined;

  const shutdown = (code: number): Promise<void> =>
    (stopped ??= (async () => {
      try {
        await running?.stop();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'stop failed');
        code = code || 1;
      }
      logger.flush();
      note('stopped');
      resolveExit(code);
    })());

  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches this process from the terminal and, forwarded, from npm: repeats within a moment are the same
    // request. A later one means "stop now". (`npm start` runs `node --import tsx`, not the `tsx` command: its
    // wrapper SIGKILLs a child that does not acknowledge a relayed signal within 60 ms, which a busy start misses.)
    const now = Date.now();
    if (firstSignalAt && now - firstSignalAt > 2000) {
      note('second interrupt: exiting without waiting');
      process.exit(130);
    }
    if (firstSignalAt) return;
    firstSignalAt = now;
    note(`${signal}: stopping everything this process started…`);
    // Whatever a stop step waits for, the process ends; the guards stop the embedded servers after it.
    const force = setTimeout(() => {
      note(`stop took longer than ${STOP_DEADLINE_MS / 1000} s; exiting anyway`);
      logger.flush();
      process.exit(1);
    }, STOP_DEADLINE_MS);
    force.unref();
    stopping.abort();
    // Still starting: the start rolls back what it started when it notices the abort, then we resolve below.
    if (running) void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const onEnded = (ended: Promise<void> | undefined) =>
    ended?.then(
      () => {
        if (!stopping.signal.aborted) {
          note('the workers stopped on their own');
          void shutdown(1);
        }
      },
      (err: unknown) => {
        note(`a worker failed: ${(err as Error).message}`);
        void shutdown(1);
      },
    );

  try {
    if (role === 'all') {
      const metricsUrl = await installTemporalRuntime(logger);
      const launched = await launch({
        env,
        dataDir,
        logger,
        progress,
        signal: stopping.signal,
        registry: new ProcessMetricsRegistry(metricsUrl),
        shutdownGraceMs: START_SHUTDOWN_GRACE_MS,
      });
      running = { stop: () => launched.stop(), ended: launched.service.workers?.done };
      if (stopping.signal.aborted) {
        void shutdown(0);
        return await exit;
      }
      void onEnded(running.ended);
      say(`\nsocialsync is running:\n${banner(launched)}\n`);
      if (launched.demoPlatforms.length > 0) {
        const api = new ServiceApi({ baseUrl: launched.service.url, adminApiKey: launched.adminKey.key });
        const unfinished = await waitForDemoSyncs({
          api,
          platforms: launched.demoPlatforms,
          progress,
          signal: stopping.signal,
        });
        if (stopping.signal.aborted) return await exit;
        if (unfinished.length) progress(`demo: still syncing ${unfinished.join(', ')}; see the Temporal UI`);
        progress(`demo user "${DEMO_USER_ID}" ready: ${launched.runtime.dashboardUrl}/users/${DEMO_USER_ID}`);
      }
      if (!stopping.signal.aborted) progress('ready; press Ctrl-C to stop');
      return await exit;
    }

    const cfg = config!;
    if (!cfg.TEMPORAL_ADDRESS) {
      process.stderr.write(
        `the ${role} role joins a running Temporal: set TEMPORAL_ADDRESS (or a TEMPORAL_CONFIG_FILE profile)\n`,
      );
      return 2;
    }
    if (role === 'service') {
      const service = await startService({
        config: cfg,
        dataDir,
        logger,
        workers: false,
        registry: new ProcessMetricsRegistry(),
        // The workers' prefix (SOCIALSYNC_TASK_QUEUE_PREFIX): the syncs this service starts go to their queues.
        taskQueuePrefix: env.SOCIALSYNC_TASK_QUEUE_PREFIX?.trim() || undefined,
      });
      running = { stop: () => service.close() };
      log.info({ url: service.url, platforms: service.platforms }, 'service role running (no workers)');
    } else {
      const heapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
      if (heapMb > 1024)
        log.warn(
          { heapMb, flags: WORKER_NODE_FLAGS },
          'started without the worker memory flags (npm run worker sets them; NODE_OPTIONS in the image)',
        );
      const metricsUrl = await installTemporalRuntime(logger);
      const worker = await startWorkerProcess({
        config: cfg,
        env,
        dataDir,
        logger,
        registry: new ProcessMetricsRegistry(metricsUrl),
      });
      running = { stop: () => worker.close(), ended: worker.engine.workers.done };
      void onEnded(running.ended);
    }
    if (stopping.signal.aborted) void shutdown(0);
    return await exit;
  } catch (err) {
    if (err instanceof StartInterrupted || stopping.signal.aborted) {
      // launch() has rolled back what it had started.
      logger.flush();
      note('stopped');
      return 0;
    }
    if (err instanceof ConfigError) {
      say(err.message);
      return 2;
    }
    note(`could not start: ${(err as Error).message}`);
    log.error({ err }, 'start failed');
    logger.flush();
    return 1;
  }
}

if (require.main === module) {
  let role: Role;
  try {
    role = resolveRole(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  void runStart({ role }).then((code) => process.exit(code));
}
