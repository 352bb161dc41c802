/**
 * What `npm start` does, as a function: start only what the environment leaves unset (Temporal dev server with
 * UI, Firestore emulator, sandbox platforms — docs/contract.md → Start), then the workers and the HTTP
 * service; in sandbox mode connect the demo user through the real OAuth flow. Returns where everything is and a
 * `stop()` that ends everything it started: the service first (its workers drain), then the rest at once.
 *
 * An abort (`signal`, Ctrl-C) at any step stops the step in flight and rolls back what was started, so the caller
 * gets `StartInterrupted` within seconds instead of after the whole start. Servers that an earlier start left
 * running when it was killed outright (recorded in the data directory by their guards) are stopped first — the
 * Firestore emulator after saving its data — so they neither collide with the new ones on their ports nor lose
 * anything.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Registry } from 'prom-client';
import {
  ConfigError,
  firestoreTarget,
  loadConfig,
  productionProblems,
  publicBaseUrl,
  type Env,
} from '../config';
import { saveEmulatorData, startFirestoreEmulator } from '../infra/firestore-emulator';
import { freePort } from '../infra/ports';
import { stopLeftover } from '../infra/process';
import { startTemporalDevServer } from '../infra/temporal-server';
import { isConfigured, platformDescriptors } from '../platforms/registry';
import type { PlatformId } from '../platforms/types';
import { startSandboxes, subscribeSandboxWebhooks, type SandboxSet } from '../sandbox';
import type { Logger } from '../shared/logger';
import { ServiceApi } from './api';
import {
  readRuntime,
  removeRuntime,
  resolveAdminKey,
  serverRecordFile,
  writeRuntime,
  type RuntimeInfo,
} from './data-dir';
import { connectBusinessThroughOAuth, connectThroughOAuth } from './oauth-driver';
import { startService, type RunningService } from './service';

export const DEMO_USER_ID = 'demo';

/** How often the embedded Firestore emulator's data is saved to the data directory. */
export const EXPORT_INTERVAL_MS = 30_000;

export interface LaunchOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logger: Logger;
  /** Human-readable progress lines (the terminal). */
  progress: (line: string) => void;
  /** Connect the demo user when the sandboxes run (default true). */
  demo?: boolean;
  /** Aborting it stops the start: what was started is stopped and `launch` rejects with StartInterrupted. */
  signal?: AbortSignal;
  /** Registry the service's `/metrics` serves (default: a new one). */
  registry?: Registry;
  /** How long in-flight activities may finish at stop (the engine's default otherwise). */
  shutdownGraceMs?: number;
}

/** The start was interrupted (Ctrl-C) and what it had started is stopped again. */
export class StartInterrupted extends Error {
  constructor() {
    super('interrupted while starting');
    this.name = 'StartInterrupted';
  }
}

/** Longest one step of a stop may take (the caller's deadline covers the whole stop). */
const STOP_STEP_TIMEOUT_MS = 10_000;

/** Longest the final Firestore export at stop may take before the emulator is stopped anyway. */
const SAVE_AT_STOP_TIMEOUT_MS = 5_000;

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not stop within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface Launched {
  runtime: RuntimeInfo;
  config: Env;
  adminKey: { key: string; created: boolean; file?: string; source: 'env' | 'file' };
  service: RunningService;
  sandboxes?: SandboxSet;
  /** Demo connections made (empty outside sandbox mode). */
  demoPlatforms: PlatformId[];
  stop(): Promise<void>;
}

/** `preferred` when it is free on 127.0.0.1, else any free port. */
async function portNear(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

const numberEnv = (v: string | undefined): number | undefined =>
  v && /^\d+$/.test(v) ? Number(v) : undefined;

export async function launch(opts: LaunchOptions): Promise<Launched> {
  const { progress, logger, dataDir } = opts;
  const env: NodeJS.ProcessEnv = { ...opts.env };
  // NODE_ENV=production: every dev fallback refused at once, before anything starts (src/config/production.ts).
  const refused = productionProblems(env, platformDescriptors());
  if (refused.length > 0) throw new ConfigError(refused);
  fs.mkdirSync(dataDir, { recursive: true });
  const signal = opts.signal ?? new AbortController().signal;
  // `first`: stopped before the others (the service, so its workers drain while everything they use still runs);
  // the others are independent of each other and stop at once.
  const stack: { what: string; stop: () => Promise<unknown>; first?: boolean }[] = [];
  const runStep = async (step: (typeof stack)[number]) => {
    try {
      await within(STOP_STEP_TIMEOUT_MS, step.what, step.stop());
    } catch (err) {
      logger.warn({ err: (err as Error).message, step: step.what }, 'stop step failed');
    }
  };
  let stopping: Promise<void> | undefined;
  // Only the runtime.json this start wrote is removed (never that of another start it refused to run beside).
  let wroteRuntime = false;
  let serviceStarted = false;
  const stop = () =>
    (stopping ??= (async () => {
      const steps = stack.splice(0).reverse();
      for (const step of steps.filter((s) => s.first)) await runStep(step);
      await Promise.all(steps.filter((s) => !s.first).map(runStep));
      if (wroteRuntime) removeRuntime(dataDir);
    })());

  const interrupted = new Promise<never>((_, reject) => {
    const fail = () => reject(new StartInterrupted());
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  interrupted.catch(() => undefined);
  /**
   * Waits for one start step unless the start is interrupted first. A step that completes after the interrupt is
   * undone by `undo` (the process is about to exit, but what it started must not outlive it).
   */
  const step = <T>(work: Promise<T>, undo?: (value: T) => Promise<unknown>): Promise<T> => {
    if (undo)
      void work.then(
        (value) => (signal.aborted ? undo(value) : undefined),
        () => undefined,
      );
    return Promise.race([work, interrupted]);
  };
  const checkpoint = () => {
    if (signal.aborted) throw new StartInterrupted();
  };

  try {
    const earlier = readRuntime(dataDir);
    if (earlier && earlier.pid !== process.pid)
      throw new Error(
        `another socialsync start (pid ${earlier.pid}, ${earlier.serviceUrl}) is running with the data directory ` +
          `${dataDir}: stop it first, or give this one another SOCIALSYNC_DATA_DIR`,
      );
    progress('provisioning: looking for servers left running and for the Temporal CLI…');
    await reclaimLeftovers({ dataDir, progress, projectId: env.GCLOUD_PROJECT?.trim() || undefined });
    checkpoint();

    // Validate what the user gave before starting anything heavy.
    let config = loadConfig(env);

    let temporalInfo: RuntimeInfo['temporal'];
    if (config.TEMPORAL_ADDRESS) {
      temporalInfo = {
        address: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        embedded: false,
      };
    } else {
      progress('starting the Temporal dev server (with UI)…');
      const temporal = await step(
        startTemporalDevServer({
          dataDir: path.join(dataDir, 'temporal'),
          persist: true,
          port: numberEnv(env.SOCIALSYNC_TEMPORAL_PORT) ?? (await portNear(7233)),
          uiPort: numberEnv(env.SOCIALSYNC_TEMPORAL_UI_PORT) ?? (await portNear(8233)),
          namespace: config.TEMPORAL_NAMESPACE,
          onProgress: (m) => progress(`temporal: ${m}`),
          recordFile: serverRecordFile(dataDir, 'temporal'),
          signal,
        }),
        (t) => t.stop(),
      );
      stack.push({ what: 'temporal', stop: () => temporal.stop() });
      env.TEMPORAL_ADDRESS = temporal.address;
      if (temporal.uiUrl) env.TEMPORAL_UI_URL ||= temporal.uiUrl;
      temporalInfo = {
        address: temporal.address,
        namespace: temporal.namespace,
        uiUrl: temporal.uiUrl,
        embedded: true,
      };
    }

    let firestoreInfo: RuntimeInfo['firestore'];
    if (firestoreTarget(env).kind !== 'embedded') {
      firestoreInfo = {
        emulatorHost: config.FIRESTORE_EMULATOR_HOST,
        projectId: config.GCLOUD_PROJECT,
        embedded: false,
      };
    } else {
      checkpoint();
      progress('starting the Firestore emulator…');
      const emulator = await step(
        startFirestoreEmulator({
          dataDir: path.join(dataDir, 'firestore'),
          persist: true,
          port: numberEnv(env.SOCIALSYNC_FIRESTORE_PORT),
          recordFile: serverRecordFile(dataDir, 'firestore'),
          signal,
        }),
        (e) => e.stop(),
      );
      const save = () => emulator.save(config.GCLOUD_PROJECT);
      stack.push({
        what: 'firestore emulator',
        stop: async () => {
          try {
            // Before the service ran nothing wrote to the emulator beyond what it imported: no save, a quicker stop
            // (an interrupt while bundling). Otherwise a bounded save: the emulator must stop even when it hangs.
            if (serviceStarted) await within(SAVE_AT_STOP_TIMEOUT_MS, 'the Firestore export', save());
          } finally {
            await emulator.stop();
          }
        },
      });
      // The final save above runs on every orderly stop; saving every half minute too bounds what a crash or a
      // SIGKILL of `npm start` loses.
      const saver = setInterval(() => {
        save().catch((err: unknown) =>
          logger.warn({ err: (err as Error).message }, 'periodic Firestore export failed'),
        );
      }, EXPORT_INTERVAL_MS);
      saver.unref();
      stack.push({ what: 'periodic Firestore export', stop: async () => clearInterval(saver), first: true });
      env.FIRESTORE_EMULATOR_HOST = emulator.host;
      firestoreInfo = { emulatorHost: emulator.host, projectId: config.GCLOUD_PROJECT, embedded: true };
    }
    // firebase-admin reads the emulator host and the project from the process environment (without a project it
    // asks the GCE metadata server, which fails noisily off Google Cloud).
    if (env.FIRESTORE_EMULATOR_HOST) process.env.FIRESTORE_EMULATOR_HOST = env.FIRESTORE_EMULATOR_HOST;
    process.env.GCLOUD_PROJECT ??= config.GCLOUD_PROJECT;

    checkpoint();
    const missing = config.PLATFORMS.filter((p) => !isConfigured(p, config));
    let sandboxes: SandboxSet | undefined;
    if (missing.length > 0) {
      sandboxes = await step(
        startSandboxes({
          seed: numberEnv(env.SANDBOX_SEED) ?? 1,
          platforms: missing,
          // The consent pages wait for "Allow", as the real platforms do; the demo connect submits it.
          autoApprove: env.SANDBOX_AUTO_APPROVE === 'true',
        }),
        (s) => s.close(),
      );
      stack.push({ what: 'sandboxes', stop: () => sandboxes!.close() });
      Object.assign(env, sandboxes.env());
      progress(`sandbox platforms (no credentials set): ${missing.join(', ')}`);
    }

    const port = config.PORT === 0 ? await freePort() : config.PORT;
    env.PORT = String(port);
    env.PUBLIC_BASE_URL ||= publicBaseUrl({ PORT: port });
    const adminKey = resolveAdminKey({ env, dataDir });
    env.ADMIN_API_KEY = adminKey.key;
    config = loadConfig(env);

    checkpoint();
    progress('starting the workers (bundling workflow code) and the HTTP service…');
    // With only sandboxes, token expiry and rate-limit resets follow the sandboxes' (advanceable) clock.
    const onlySandboxes = sandboxes !== undefined && missing.length === config.PLATFORMS.length;
    const service = await step(
      startService({
        config,
        dataDir,
        logger,
        now: onlySandboxes ? () => sandboxes!.clock.now() : undefined,
        registry: opts.registry,
        shutdownGraceMs: opts.shutdownGraceMs,
      }),
      (s) => s.close(),
    );
    serviceStarted = true;
    stack.push({ what: 'service', stop: () => service.close(), first: true });
    if (sandboxes) await step(subscribeSandboxWebhooks(sandboxes, service.url));

    const runtime: RuntimeInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      serviceUrl: service.url,
      dashboardUrl: `${service.url}/ui`,
      temporal: temporalInfo,
      firestore: firestoreInfo,
      sandboxes: Object.fromEntries((sandboxes?.list() ?? []).map((s) => [s.platform, s.url])),
    };
    writeRuntime(dataDir, runtime);
    wroteRuntime = true;

    const demoPlatforms: PlatformId[] = [];
    if (sandboxes && opts.demo !== false) {
      // The sandboxes keep their grants in memory, so the demo user is connected again on every start: the
      // tokens stored by an earlier run mean nothing to a freshly started sandbox.
      const api = new ServiceApi({ baseUrl: service.url, adminApiKey: adminKey.key });
      for (const { platform } of sandboxes.list()) {
        checkpoint();
        const connected = await step(connectThroughOAuth({ api, userId: DEMO_USER_ID, platform }));
        progress(
          `demo: connected ${platform} account ${connected.accountId} through OAuth; initial sync started`,
        );
        demoPlatforms.push(platform);
        // TikTok's optional Business API authorization (audience, daily history), served by the sandbox too.
        if (platform === 'tiktok' && config.TIKTOK_BUSINESS_APP_ID) {
          await step(connectBusinessThroughOAuth({ api, userId: DEMO_USER_ID, platform }));
          progress('demo: connected the TikTok Business authorization (audience and daily history)');
        }
      }
    }
    checkpoint();
    return { runtime, config, adminKey, service, sandboxes, demoPlatforms, stop };
  } catch (err) {
    await stop();
    throw signal.aborted ? new StartInterrupted() : err;
  }
}

/**
 * Stops the servers an earlier start left running when it was killed outright (SIGKILL of its process group takes
 * the guards with it, but not the servers, which run in process groups of their own): the Firestore emulator after
 * exporting its data to the data directory (so the new emulator imports it), the Temporal dev server with SIGTERM
 * (its database is a file the new one opens).
 */
async function reclaimLeftovers(opts: {
  dataDir: string;
  progress: (line: string) => void;
  projectId?: string;
}): Promise<void> {
  const { dataDir, progress } = opts;
  const emulator = await stopLeftover(serverRecordFile(dataDir, 'firestore'), async (record) => {
    if (record.meta?.host)
      await saveEmulatorData({
        host: record.meta.host,
        projectId: opts.projectId ?? 'socialsync-local',
        dataDir: path.join(dataDir, 'firestore'),
      });
  });
  if (emulator)
    progress(
      `stopped the Firestore emulator (pid ${emulator.pid}) an earlier start left running, after saving its data`,
    );
  const temporal = await stopLeftover(serverRecordFile(dataDir, 'temporal'));
  if (temporal)
    progress(`stopped the Temporal dev server (pid ${temporal.pid}) an earlier start left running`);
}

/**
 * Polls the demo connections until each has finished its first sync (status `active` with a `lastSync`), printing
 * progress; resolves with the platforms that did not finish within `timeoutMs`.
 */
export async function waitForDemoSyncs(opts: {
  api: ServiceApi;
  platforms: PlatformId[];
  progress: (line: string) => void;
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting early (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}): Promise<PlatformId[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000);
  const pending = new Set(opts.platforms);
  let lastLine = '';
  while (pending.size > 0 && Date.now() < deadline && !opts.signal?.aborted) {
    const parts: string[] = [];
    for (const platform of [...pending]) {
      const status = await opts.api.statusOrUndefined(DEMO_USER_ID, platform).catch(() => undefined);
      const counts = Object.entries(status?.counts ?? {})
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      if (status?.status === 'active' && status.lastSync) {
        pending.delete(platform);
        opts.progress(`demo: ${platform} first sync done${counts ? ` (${counts})` : ''}`);
      } else if (status?.status === 'needs_reauth' || status?.status === 'error') {
        pending.delete(platform);
        opts.progress(`demo: ${platform} is ${status.status}: ${status.error ?? 'see the log'}`);
      } else {
        parts.push(`${platform} ${status?.status ?? 'starting'}${counts ? ` (${counts})` : ''}`);
      }
    }
    const line = parts.join(' · ');
    if (line && line !== lastLine) opts.progress(`demo: syncing… ${line}`);
    lastLine = line;
    if (pending.size > 0) await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
  return [...pending];
}
