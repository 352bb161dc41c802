/**
 * `npm run sandbox`: the three sandbox platforms alone, for developing against them or pointing another socialsync
 * at them. Prints their URLs and the environment variables that select them; Ctrl-C stops them.
 * SANDBOX_SEED (default 1) and SANDBOX_AUTO_APPROVE=true are honoured, as in `npm start`.
 */
import { startSandboxes } from '../sandbox';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const seed = Number(process.env.SANDBOX_SEED ?? 1);
  const sandboxes = await startSandboxes({ seed, autoApprove: process.env.SANDBOX_AUTO_APPROVE === 'true' });
  say(`Sandbox platforms (seed ${seed}):`);
  for (const { platform, url } of sandboxes.list())
    say(`  ${platform.padEnd(9)} ${url}   control API: ${url}/_sandbox`);
  say('\nEnvironment for socialsync (paste into a shell to use them):');
  for (const [name, value] of Object.entries(sandboxes.env())) say(`export ${name}=${value}`);
  say('\nPress Ctrl-C to stop.');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sandboxes.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`could not start the sandboxes: ${(err as Error).message}\n`);
  process.exit(1);
});
