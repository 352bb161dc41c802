/**
 * What `npm start` does, as a function: start only what the environment leaves unset (Temporal dev server with
 * UI, Firestore emulator, sandbox platforms — docs/contract.md → Start), then the workers and the HTTP
 * service; in sandbox mode connect the demo user through the real OAuth flow. Returns where everything is and a
 * `stop()` that ends everything it started, in reverse order.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  ConfigError,
  firestoreTarget,
  loadConfig,
  productionProblems,
  publicBaseUrl,
  type Env,
} from '../config';
import { startFirestoreEmulator } from '../infra/firestore-emulator';
import { freePort } from '../infra/ports';
import { startTemporalDevServer } from '../infra/temporal-server';
import { isConfigured, platformDescriptors } from '../platforms/registry';
import type { PlatformId } from '../platforms/types';
import { startSandboxes, subscribeSandboxWebhooks, type SandboxSet } from '../sandbox';
import type { Logger } from '../shared/logger';
import { ServiceApi } from './api';
import { removeRuntime, resolveAdminKey, writeRuntime, type RuntimeInfo } from './data-dir';
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
  const stack: { what: string; stop: () => Promise<unknown> }[] = [];
  const stop = async () => {
    while (stack.length) {
      const step = stack.pop()!;
      try {
        await step.stop();
      } catch (err) {
        logger.warn({ err: (err as Error).message, step: step.what }, 'stop step failed');
      }
    }
    removeRuntime(dataDir);
  };

  try {
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
      const temporal = await startTemporalDevServer({
        dataDir: path.join(dataDir, 'temporal'),
        persist: true,
        port: numberEnv(env.SOCIALSYNC_TEMPORAL_PORT) ?? (await portNear(7233)),
        uiPort: numberEnv(env.SOCIALSYNC_TEMPORAL_UI_PORT) ?? (await portNear(8233)),
        namespace: config.TEMPORAL_NAMESPACE,
        onProgress: (m) => progress(`temporal: ${m}`),
      });
      stack.push({ what: 'temporal', stop: () => temporal.stop() });
      env.TEMPORAL_ADDRESS = temporal.address;
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
      progress('starting the Firestore emulator…');
      const emulator = await startFirestoreEmulator({
        dataDir: path.join(dataDir, 'firestore'),
        persist: true,
        port: numberEnv(env.SOCIALSYNC_FIRESTORE_PORT),
      });
      const save = () => emulator.save(config.GCLOUD_PROJECT);
      stack.push({
        what: 'firestore emulator',
        stop: async () => {
          try {
            await save();
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
      stack.push({ what: 'periodic Firestore export', stop: async () => clearInterval(saver) });
      env.FIRESTORE_EMULATOR_HOST = emulator.host;
      firestoreInfo = { emulatorHost: emulator.host, projectId: config.GCLOUD_PROJECT, embedded: true };
    }
    // firebase-admin reads the emulator host and the project from the process environment (without a project it
    // asks the GCE metadata server, which fails noisily off Google Cloud).
    if (env.FIRESTORE_EMULATOR_HOST) process.env.FIRESTORE_EMULATOR_HOST = env.FIRESTORE_EMULATOR_HOST;
    process.env.GCLOUD_PROJECT ??= config.GCLOUD_PROJECT;

    const missing = config.PLATFORMS.filter((p) => !isConfigured(p, config));
    let sandboxes: SandboxSet | undefined;
    if (missing.length > 0) {
      sandboxes = await startSandboxes({
        seed: numberEnv(env.SANDBOX_SEED) ?? 1,
        platforms: missing,
        // The consent pages wait for "Allow", as the real platforms do; the demo connect submits it.
        autoApprove: env.SANDBOX_AUTO_APPROVE === 'true',
      });
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

    progress('starting the workers (bundling workflow code) and the HTTP service…');
    // With only sandboxes, token expiry and rate-limit resets follow the sandboxes' (advanceable) clock.
    const onlySandboxes = sandboxes !== undefined && missing.length === config.PLATFORMS.length;
    const service = await startService({
      config,
      dataDir,
      logger,
      now: onlySandboxes ? () => sandboxes!.clock.now() : undefined,
    });
    stack.push({ what: 'service', stop: () => service.close() });
    if (sandboxes) await subscribeSandboxWebhooks(sandboxes, service.url);

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

    const demoPlatforms: PlatformId[] = [];
    if (sandboxes && opts.demo !== false) {
      // The sandboxes keep their grants in memory, so the demo user is connected again on every start: the
      // tokens stored by an earlier run mean nothing to a freshly started sandbox.
      const api = new ServiceApi({ baseUrl: service.url, adminApiKey: adminKey.key });
      for (const { platform } of sandboxes.list()) {
        const connected = await connectThroughOAuth({ api, userId: DEMO_USER_ID, platform });
        progress(
          `demo: connected ${platform} account ${connected.accountId} through OAuth; initial sync started`,
        );
        demoPlatforms.push(platform);
        // TikTok's optional Business API authorization (audience, daily history), served by the sandbox too.
        if (platform === 'tiktok' && config.TIKTOK_BUSINESS_APP_ID) {
          await connectBusinessThroughOAuth({ api, userId: DEMO_USER_ID, platform });
          progress('demo: connected the TikTok Business authorization (audience and daily history)');
        }
      }
    }
    return { runtime, config, adminKey, service, sandboxes, demoPlatforms, stop };
  } catch (err) {
    await stop();
    throw err;
  }
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
