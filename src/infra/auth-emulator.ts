/**
 * The Firebase Auth emulator of firebase-tools (a dev dependency; plain Node, no Java), under the process guard, on
 * free ports. Used by the integration tests: firebase-admin verifies the emulator's ID tokens against it (user exists,
 * not disabled, not revoked) once FIREBASE_AUTH_EMULATOR_HOST names it.
 *
 * It runs offline: a `demo-` project id (the emulators then never reach for real Google services), no update check
 * (NO_UPDATE_NOTIFIER), no message-of-the-day fetch (CI), no usage reporting (a configstore of its own in the data
 * directory, where usage was never enabled), and its hub locator file in the data directory rather than /tmp.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from './ports';
import { spawnGuarded, tail } from './process';

/** Project id of the emulator; `demo-` ids are the emulator suite's offline-only projects. */
export const AUTH_EMULATOR_PROJECT = 'demo-socialsync';

/** The API key clients send; the emulator accepts any, its docs use this one. */
export const AUTH_EMULATOR_API_KEY = 'fake-api-key';

export interface AuthEmulator {
  /** host:port, the value for FIREBASE_AUTH_EMULATOR_HOST. */
  host: string;
  projectId: string;
  stop(): Promise<void>;
}

/** The firebase CLI script of the installed firebase-tools package. */
export function firebaseCli(): string {
  const pkgFile = require.resolve('firebase-tools/package.json');
  const { bin } = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin: { firebase: string } };
  return path.join(path.dirname(pkgFile), bin.firebase);
}

export async function startAuthEmulator(opts: {
  dataDir: string;
  port?: number;
  projectId?: string;
}): Promise<AuthEmulator> {
  const projectId = opts.projectId ?? AUTH_EMULATOR_PROJECT;
  const [port, hubPort, loggingPort] = await Promise.all([opts.port || freePort(), freePort(), freePort()]);
  const host = `127.0.0.1:${port}`;
  const dir = path.join(opts.dataDir, 'auth-emulator');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  // The hub and the logging endpoint come with every `emulators:start`: free ports for them too, no UI.
  fs.writeFileSync(
    path.join(dir, 'firebase.json'),
    JSON.stringify({
      emulators: {
        auth: { host: '127.0.0.1', port },
        hub: { host: '127.0.0.1', port: hubPort },
        logging: { host: '127.0.0.1', port: loggingPort },
        ui: { enabled: false },
      },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_UPDATE_NOTIFIER: '1',
    CI: 'true',
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    TMPDIR: tmp,
  };
  // Nothing of the owner's Firebase setup leaks in: no other emulator's address, no real credentials.
  for (const name of ['FIREBASE_AUTH_EMULATOR_HOST', 'GOOGLE_APPLICATION_CREDENTIALS', 'FIREBASE_TOKEN']) {
    delete env[name];
  }
  const logFile = path.join(opts.dataDir, 'auth-emulator.log');
  const emulator = spawnGuarded({
    // The Node running this code, not whichever `node` is first on PATH.
    command: process.execPath,
    args: [firebaseCli(), 'emulators:start', '--only', 'auth', '--project', projectId],
    logFile,
    cwd: dir,
    env,
  });
  let exited = false;
  void emulator.exited.then(() => (exited = true));
  try {
    await waitFor(
      'Firebase Auth emulator',
      async () => {
        if (exited) throw new Error(`the emulator exited; its log says:\n${tail(logFile)}`);
        const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { authEmulator?: { ready?: boolean } };
        return res.ok && body.authEmulator?.ready === true;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return { host, projectId, stop: () => emulator.stop() };
}
