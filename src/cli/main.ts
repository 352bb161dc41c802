#!/usr/bin/env node
/**
 * `socialsync` — the operator's CLI (`npx socialsync …` after `npm run build`, or `npx tsx src/cli/main.ts …`).
 * It talks to the running service's management API with ADMIN_API_KEY, to Temporal for schedules and listings,
 * to Firestore for key rotation, and to the sandboxes' control API. Without configuration it finds a running
 * `npm start` through `<dataDir>/runtime.json`. Exit codes: 0 ok, 1 failed, 2 usage/configuration, 3 unreachable.
 */
import { Command, CommanderError, Option } from 'commander';
import { ApiError, ServiceUnreachableError } from './api';
import { connectCommand, disconnectCommand, statusCommand } from './commands/connections';
import { rotateKeysCommand } from './commands/keys';
import { sandboxAccounts, sandboxAddPost, sandboxAdvance, sandboxWebhook } from './commands/sandbox';
import { controlSchedule, listSchedules } from './commands/schedules';
import { setupTemporalCommand } from './commands/setup';
import { syncCommand } from './commands/sync';
import { CliError, createContext, EXIT, type CliContext, type GlobalOptions } from './context';

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Builds the command tree; each action receives a context made from the global options. */
export function buildProgram(
  run: (fn: (ctx: CliContext) => Promise<void>, program: Command) => Promise<void>,
  output: { out: (line: string) => void; err: (line: string) => void },
): Command {
  const program = new Command('socialsync')
    // Before any subcommand is added: subcommands copy these settings when they are created.
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) })
    .description('Operate socialsync: connections, syncs, schedules, keys and the sandbox platforms')
    .option(
      '--url <url>',
      'service base URL (default: SOCIALSYNC_URL, the running npm start, or PUBLIC_BASE_URL)',
    )
    .option('--data-dir <dir>', 'data directory of npm start (default: SOCIALSYNC_DATA_DIR or ./.data)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  const act = (fn: (ctx: CliContext, ...args: never[]) => Promise<void>) =>
    function (this: Command, ...args: unknown[]) {
      return run((ctx) => (fn as (ctx: CliContext, ...a: unknown[]) => Promise<void>)(ctx, ...args), program);
    };
  const platformOption = () =>
    new Option('--platform <platform>', 'instagram, twitter or tiktok').makeOptionMandatory();

  program
    .command('connect <platform>')
    .description(
      'start an OAuth connect and print the authorize URL (--approve: answer a sandbox consent page with Allow)',
    )
    .requiredOption('--user <userId>', 'the user to connect')
    .option('--approve', 'sandbox only: follow the authorize URL, click Allow and complete the callback')
    .action(
      act((ctx, platform: string, o: { user: string; approve?: boolean }) =>
        connectCommand(ctx, { platform, ...o }),
      ),
    );

  program
    .command('disconnect <platform>')
    .description('revoke where possible, delete the tokens and the schedule')
    .requiredOption('--user <userId>')
    .action(act((ctx, platform: string, o: { user: string }) => disconnectCommand(ctx, { platform, ...o })));

  program
    .command('sync')
    .description('sync one connection now (incremental); --wait shows progress and the summary')
    .requiredOption('--user <userId>')
    .addOption(platformOption())
    .option('--wait', 'wait for the sync to finish')
    .option('--timeout <duration>', 'longest wait with --wait', '15m')
    .action(
      act((ctx, o: { user: string; platform: string; wait?: boolean; timeout?: string }) =>
        syncCommand(ctx, { ...o, mode: 'manual' }),
      ),
    );

  program
    .command('backfill')
    .description('re-sync a connection from scratch (every item and its metrics)')
    .requiredOption('--user <userId>')
    .addOption(platformOption())
    .option('--wait', 'wait for the backfill to finish')
    .option('--timeout <duration>', 'longest wait with --wait', '30m')
    .action(
      act((ctx, o: { user: string; platform: string; wait?: boolean; timeout?: string }) =>
        syncCommand(ctx, { ...o, mode: 'backfill' }),
      ),
    );

  program
    .command('status')
    .description("connections as a table: one user's, or every connection Temporal knows")
    .option('--user <userId>')
    .option('--platform <platform>')
    .action(act((ctx, o: { user?: string; platform?: string }) => statusCommand(ctx, o)));

  const schedules = program
    .command('schedules')
    .description('the Temporal Schedules of the connections (sync:{userId}:{platform})');
  schedules
    .command('list')
    .option('--user <userId>')
    .action(act((ctx, o: { user?: string }) => listSchedules(ctx, o)));
  for (const action of ['pause', 'resume', 'trigger'] as const) {
    schedules
      .command(action)
      .description(`${action} the schedule of one connection`)
      .requiredOption('--user <userId>')
      .addOption(platformOption())
      .option('--note <text>', 'note shown in the Temporal UI')
      .action(
        act((ctx, o: { user: string; platform: string; note?: string }) => controlSchedule(ctx, action, o)),
      );
  }

  program
    .command('rotate-keys')
    .description('re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS')
    .action(act((ctx) => rotateKeysCommand(ctx)));

  program
    .command('setup')
    .description('prepare existing infrastructure for socialsync')
    .command('temporal')
    .description(
      'register the search attributes UserId, Platform, SyncMode (Keyword) on the configured namespace (idempotent)',
    )
    .action(act((ctx) => setupTemporalCommand(ctx)));

  const sandbox = program
    .command('sandbox')
    .description('control the sandbox platforms of a running npm start');
  const sandboxUrl = () =>
    new Option('--sandbox-url <url>', "the sandbox's base URL (default: from the running npm start)");
  sandbox
    .command('accounts')
    .addOption(platformOption())
    .addOption(sandboxUrl())
    .action(act((ctx, o: { platform: string; sandboxUrl?: string }) => sandboxAccounts(ctx, o)));
  sandbox
    .command('add-post')
    .description('publish a new post/tweet/video on a sandbox account')
    .addOption(platformOption())
    .option('--account <accountId>', 'default: the logged-in account')
    .option('--text <text>')
    .option('--likes <n>')
    .addOption(sandboxUrl())
    .action(
      act(
        (
          ctx,
          o: { platform: string; account?: string; text?: string; likes?: string; sandboxUrl?: string },
        ) => sandboxAddPost(ctx, o),
      ),
    );
  sandbox
    .command('webhook')
    .description(
      'make the platform send a webhook to the service (Instagram comments, X tweet_create, TikTok video.publish.completed)',
    )
    .addOption(platformOption())
    .option('--account <accountId>', 'default: the logged-in account')
    .option('--type <type>', 'Instagram field, X event type or TikTok event')
    .addOption(sandboxUrl())
    .action(
      act((ctx, o: { platform: string; account?: string; type?: string; sandboxUrl?: string }) =>
        sandboxWebhook(ctx, o),
      ),
    );
  sandbox
    .command('advance <duration>')
    .description('move the shared sandbox clock forward, e.g. 6h or 30d')
    .option('--platform <platform>', 'sandbox to send it through (they share one clock)')
    .addOption(sandboxUrl())
    .action(
      act((ctx, duration: string, o: { platform?: string; sandboxUrl?: string }) =>
        sandboxAdvance(ctx, { duration, ...o }),
      ),
    );

  program
    .command('start')
    .description(
      'run socialsync: --role all (embedded servers, workers, HTTP service, demo; the default), service or worker',
    )
    .option('--role <role>', 'all, service or worker (default: SOCIALSYNC_ROLE, else all)')
    .action(async (o: { role?: string }) => {
      // Loaded only here: the other commands need none of the engine. A running role owns the process until its
      // stop, so its exit code ends the process directly.
      const { resolveRole, runStart } = await import('./start.js');
      let role;
      try {
        role = resolveRole(o.role === undefined ? [] : ['--role', o.role], process.env);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      process.exit(await runStart({ role }));
    });

  return program;
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit code. */
export async function runCli(argv: string[], opts: RunCliOptions = {}): Promise<number> {
  const err = opts.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let code: number = EXIT.ok;
  const program = buildProgram(
    async (fn, root) => {
      const ctx = createContext({ global: root.opts<GlobalOptions>(), env: opts.env, out, err });
      try {
        await fn(ctx);
      } finally {
        await ctx.close();
      }
    },
    { out, err },
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    code = exitCodeOf(e, err);
  }
  return code;
}

function exitCodeOf(e: unknown, err: (line: string) => void): number {
  if (e instanceof CommanderError) {
    // --help and --version "fail" with exit code 0.
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof CliError) {
    err(`error: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof ServiceUnreachableError) {
    err(`error: ${e.message}`);
    return EXIT.unreachable;
  }
  if (e instanceof ApiError) {
    err(`error: the service answered ${e.status}: ${e.message}`);
    if (e.status === 401 || e.status === 403)
      err('hint: check ADMIN_API_KEY (or the admin-api-key file in the data directory)');
    return e.status === 503 || e.status === 504 ? EXIT.unreachable : EXIT.failed;
  }
  err(`error: ${(e as Error).message ?? String(e)}`);
  return EXIT.failed;
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
