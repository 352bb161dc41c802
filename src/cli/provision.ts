/**
 * `npm run provision`: make sure the local infrastructure exists before tests or `npm start` need it —
 * the Temporal CLI (found, or built once with Go into ~/.cache/socialsync) and the Firestore emulator (found, with
 * Java). Prints what it found; exits non-zero with instructions when something is missing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findFirestoreEmulator, INSTALL_HINT } from '../infra/firestore-emulator';
import { provisionTemporalCli } from '../infra/temporal-cli';

const run = promisify(execFile);

async function main(): Promise<number> {
  const say = (m: string) => console.log(`[provision] ${m}`);
  let ok = true;

  const cli = await provisionTemporalCli({ onProgress: say });
  if (cli) {
    const { stdout } = await run(cli.path, ['--version']);
    say(`Temporal CLI: ${cli.path} (${cli.source}) — ${stdout.trim()}`);
  } else {
    say(
      'Temporal CLI: not found and no Go toolchain to build it; the SDK will try to download the dev server',
    );
  }

  const emulator = await findFirestoreEmulator();
  if (emulator) {
    say(`Firestore emulator: ${emulator}`);
  } else {
    say(INSTALL_HINT);
    ok = false;
  }
  try {
    const { stderr } = await run('java', ['-version']);
    say(`Java: ${stderr.split('\n')[0]}`);
  } catch {
    say('Java: not found — the Firestore emulator needs Java 17 or newer');
    ok = false;
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[provision] ${(err as Error).message}`);
    process.exit(1);
  },
);
