/**
 * socialsync wired exactly as `npm start` wires it (startService + startSandboxes, consent pages waiting for
 * "Allow"), but on the test run's Temporal dev server and Firestore emulator, a Firestore project of its own and a
 * task-queue prefix of its own. Used by the CLI and web page tests.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { startService, type RunningService } from '../../../src/cli/service';
import { loadConfig, type Env } from '../../../src/config';
import { freePort } from '../../../src/infra/ports';
import { startSandboxes, subscribeSandboxWebhooks, type AllSandboxes } from '../../../src/sandbox';
import { silentLogger } from '../../../src/shared/logger';
import { testServers } from '../../helpers/servers';

export interface InProcessSocialsync {
  url: string;
  adminKey: string;
  config: Env;
  dataDir: string;
  projectId: string;
  sandboxes: AllSandboxes;
  service: RunningService;
  /** Environment under which the CLI finds this instance. */
  cliEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startInProcess(label: string): Promise<InProcessSocialsync> {
  try {
    Runtime.install({
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    });
  } catch {
    // Already installed in this jest worker.
  }
  const servers = testServers();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `socialsync-${label}-`));
  const projectId = `test-${createHash('sha256').update(`${label}-${randomUUID()}`).digest('hex').slice(0, 16)}`;
  const sandboxes = await startSandboxes({ seed: 7, accounts: 2, itemsPerAccount: 12 });
  const port = await freePort();
  const adminKey = `admin-${randomUUID()}`;
  const config = loadConfig({
    ...sandboxes.env(),
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.temporalNamespace,
    FIRESTORE_EMULATOR_HOST: servers.firestoreHost,
    GCLOUD_PROJECT: projectId,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ADMIN_API_KEY: adminKey,
    SYNC_INTERVAL: '1h',
  });
  const service = await startService({
    config,
    dataDir,
    logger: silentLogger,
    workflowBundle: { codePath: servers.workflowBundlePath },
    taskQueuePrefix: `${label}-${randomUUID()}`,
    now: () => sandboxes.clock.now(),
    host: '127.0.0.1',
  });
  await subscribeSandboxWebhooks(sandboxes, service.url);
  return {
    url: service.url,
    adminKey,
    config,
    dataDir,
    projectId,
    sandboxes,
    service,
    cliEnv: {
      PATH: process.env.PATH,
      SOCIALSYNC_URL: service.url,
      ADMIN_API_KEY: adminKey,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      TEMPORAL_NAMESPACE: servers.temporalNamespace,
      FIRESTORE_EMULATOR_HOST: servers.firestoreHost,
      GCLOUD_PROJECT: projectId,
      SOCIALSYNC_DATA_DIR: dataDir,
    },
    async close() {
      await service.close();
      await sandboxes.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
