/**
 * The embedded Temporal dev server (used by tests and by `npm start` when TEMPORAL_ADDRESS is unset):
 * the provisioned CLI under the process guard, search attributes UserId/Platform/SyncMode registered, UI optional.
 * Without a CLI binary and without Go it falls back to the SDK's download of the dev server (needs internet).
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { freePort, waitFor } from './ports';
import { spawnGuarded, tail } from './process';
import { provisionTemporalCli } from './temporal-cli';

/** Keyword search attributes on every sync workflow (docs/contract.md → Temporal). */
export const SEARCH_ATTRIBUTE_NAMES = ['UserId', 'Platform', 'SyncMode'] as const;

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** Web UI URL, when started with a UI. */
  uiUrl?: string;
  stop(): Promise<void>;
}

export interface StartTemporalOptions {
  /** Directory for the server log (and the database file when `persist`). */
  dataDir: string;
  port?: number;
  /** Start the Web UI on this port (0 = any free port); omit for a headless server. */
  uiPort?: number;
  /** Keep workflows, schedules and history in `<dataDir>/temporal.db` across restarts. */
  persist?: boolean;
  namespace?: string;
  onProgress?: (message: string) => void;
  /** File the guard records the server in while it runs (see stopLeftover in process.ts). */
  recordFile?: string;
  /** Aborting it stops the server if it is still starting (the start then rejects). */
  signal?: AbortSignal;
}

async function answers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

export async function startTemporalDevServer(opts: StartTemporalOptions): Promise<TemporalDevServer> {
  const namespace = opts.namespace ?? 'default';
  const port = opts.port || (await freePort());
  const uiPort = opts.uiPort === undefined ? undefined : opts.uiPort || (await freePort());
  const cli = await provisionTemporalCli({ onProgress: opts.onProgress });

  if (!cli) {
    opts.onProgress?.('no Temporal CLI and no Go toolchain: using the SDK download of the dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port,
        uiPort,
        namespace,
        dbFilename: opts.persist ? path.join(opts.dataDir, 'temporal.db') : undefined,
        searchAttributes: SEARCH_ATTRIBUTE_NAMES.map((n) =>
          defineSearchAttributeKey(n, SearchAttributeType.KEYWORD),
        ),
      },
    });
    return {
      address: env.address,
      namespace,
      uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
      stop: () => env.teardown(),
    };
  }

  const logFile = path.join(opts.dataDir, 'temporal.log');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((n) => ['--search-attribute', `${n}=Keyword`]),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(opts.persist ? ['--db-filename', path.join(opts.dataDir, 'temporal.db')] : []),
  ];
  const server = spawnGuarded({
    command: cli.path,
    args,
    logFile,
    recordFile: opts.recordFile,
    meta: { address: `127.0.0.1:${port}` },
  });
  const address = `127.0.0.1:${port}`;
  let exited = false;
  void server.exited.then(() => (exited = true));
  try {
    await waitFor(
      'Temporal dev server',
      async () => {
        if (exited) throw new Error(`the server exited; its log says:\n${tail(logFile)}`);
        return answers(address, namespace);
      },
      { timeoutMs: 60_000, intervalMs: 150, signal: opts.signal },
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => server.stop(),
  };
}
