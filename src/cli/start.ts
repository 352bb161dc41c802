/**
 * `npm start`: the whole pipeline on embedded defaults (see launch.ts), with a banner of where everything is and a
 * clean stop on Ctrl-C (SIGINT) or SIGTERM. Logs (pino JSON) go to `<dataDir>/socialsync.log` unless
 * NODE_ENV=production, where they go to stdout as usual; this terminal shows progress only.
 */
import path from 'node:path';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import { ConfigError, productionProblems } from '../config';
import { platformDescriptors } from '../platforms/registry';
import { createLogger } from '../shared/logger';
import { ServiceApi } from './api';
import { ensurePrivateDir, ensurePrivateFile, resolveDataDir } from './data-dir';
import { DEMO_USER_ID, launch, waitForDemoSyncs, type Launched } from './launch';

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

async function main(): Promise<void> {
  // NODE_ENV=production with a dev fallback needed: name every missing setting and start nothing, not even the
  // data directory (src/config/production.ts).
  const refused = productionProblems(process.env, platformDescriptors());
  if (refused.length > 0) {
    say(new ConfigError(refused).message);
    process.exit(2);
  }
  const dataDir = ensurePrivateDir(resolveDataDir());
  const production = process.env.NODE_ENV === 'production';
  const logFile = path.join(dataDir, 'socialsync.log');
  if (!production) ensurePrivateFile(logFile);
  const logger = createLogger({}, production ? undefined : pino.destination({ dest: logFile, sync: false }));
  // The Temporal SDK's own log lines (worker state, bundling) join ours instead of cluttering the terminal.
  const temporalLog = logger.child({ module: 'temporal-sdk' });
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) =>
      temporalLog[levels[entry.level]](entry.meta ?? {}, entry.message),
    ),
  });
  progress(`data directory ${dataDir}${production ? '' : `; logs in ${logFile}`}`);

  const stopping = new AbortController();
  let launched: Launched | undefined;
  let firstSignalAt = 0;
  let exitCode = 0;

  const shutdown = async (reason: string): Promise<void> => {
    progress(`${reason}: stopping everything this process started…`);
    // Slow steps must not keep a terminal hanging forever.
    const force = setTimeout(() => {
      progress('stop took longer than 30 s; exiting anyway');
      process.exit(1);
    }, 30_000);
    force.unref();
    await launched?.stop();
    logger.flush();
    progress('stopped');
    process.exit(exitCode);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches this process from the terminal and, relayed, from the `tsx` wrapper: repeats within a
    // moment are the same request. A later one means "stop now".
    const now = Date.now();
    if (firstSignalAt && now - firstSignalAt > 2000) {
      progress('second interrupt: exiting without waiting');
      process.exit(130);
    }
    if (firstSignalAt) return;
    firstSignalAt = now;
    stopping.abort();
    // Still launching: `launch` rolls back what it started when it notices the abort below.
    if (launched) void shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    launched = await launch({ env: process.env, dataDir, logger, progress });
  } catch (err) {
    if (err instanceof ConfigError) {
      say(err.message);
      process.exit(2);
    }
    progress(`could not start: ${(err as Error).message}`);
    logger.error({ err }, 'start failed');
    logger.flush();
    process.exit(1);
  }
  if (stopping.signal.aborted) return shutdown('interrupted while starting');

  void launched.service.workers.done.catch((err: unknown) => {
    progress(`a worker failed: ${(err as Error).message}`);
    exitCode = 1;
    void shutdown('worker failure');
  });

  say(`\nsocialsync is running:\n${banner(launched)}\n`);
  if (launched.demoPlatforms.length > 0) {
    const api = new ServiceApi({ baseUrl: launched.service.url, adminApiKey: launched.adminKey.key });
    const unfinished = await waitForDemoSyncs({
      api,
      platforms: launched.demoPlatforms,
      progress,
      signal: stopping.signal,
    });
    if (stopping.signal.aborted) return;
    if (unfinished.length) progress(`demo: still syncing ${unfinished.join(', ')}; see the Temporal UI`);
    progress(`demo user "${DEMO_USER_ID}" ready: ${launched.runtime.dashboardUrl}/users/${DEMO_USER_ID}`);
  }
  progress('ready; press Ctrl-C to stop');
}

void main();
