/** `connect`, `disconnect` and `status`: the management API of the running service. */
import { PLATFORM_IDS, PlatformId } from '../../platforms/types';
import type { CliContext } from '../context';
import { CliError, EXIT, parsePlatform } from '../context';
import { connectThroughOAuth } from '../oauth-driver';
import { formatTable } from '../table';
import type { ConnectionStatus } from '../../domain';

export async function connectCommand(
  ctx: CliContext,
  opts: { platform: string; user: string; approve?: boolean },
): Promise<void> {
  const platform = parsePlatform(opts.platform);
  const api = ctx.api();
  if (!opts.approve) {
    // The operator opens the URL in a browser of their choosing: an explicit, unbound admin hand-off.
    const { authorizeUrl } = await api.startConnect(opts.user, platform, { bindBrowser: false });
    if (ctx.json) return ctx.out(JSON.stringify({ authorizeUrl }));
    ctx.out(`Open this URL in a browser to connect ${platform} for ${opts.user}:\n${authorizeUrl}`);
    return;
  }
  // --approve: the sandbox consent page is answered with "Allow" on the user's behalf.
  const connected = await connectThroughOAuth({ api, userId: opts.user, platform });
  if (ctx.json) return ctx.out(JSON.stringify(connected));
  ctx.out(
    `Connected ${platform} account ${connected.accountId} for ${opts.user}; initial sync ${connected.workflowId} started.`,
  );
}

export async function disconnectCommand(
  ctx: CliContext,
  opts: { platform: string; user: string },
): Promise<void> {
  const platform = parsePlatform(opts.platform);
  const result = await ctx.api().disconnect(opts.user, platform);
  if (ctx.json) return ctx.out(JSON.stringify(result));
  ctx.out(
    `Disconnected ${platform} for ${opts.user}${result.revoked ? ' (access revoked at the platform)' : ''}.`,
  );
}

/** Users and platforms with a running connection workflow (`connection:{userId}:{platform}`), from Temporal. */
async function knownConnections(ctx: CliContext): Promise<{ userId: string; platform: PlatformId }[]> {
  const client = await ctx.temporal();
  const found: { userId: string; platform: PlatformId }[] = [];
  const query = `WorkflowType = 'connectionWorkflow' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    const match = /^connection:(.+):([a-z]+)$/.exec(wf.workflowId);
    const platform = PlatformId.safeParse(match?.[2]);
    if (match && platform.success) found.push({ userId: match[1]!, platform: platform.data });
  }
  return found.sort((a, b) => a.userId.localeCompare(b.userId) || a.platform.localeCompare(b.platform));
}

function countsText(status: ConnectionStatus): string {
  return Object.entries(status.counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}

export async function statusCommand(
  ctx: CliContext,
  opts: { user?: string; platform?: string },
): Promise<void> {
  const api = ctx.api();
  const targets: { userId: string; platform: PlatformId }[] = opts.user
    ? (opts.platform ? [parsePlatform(opts.platform)] : PLATFORM_IDS).map((platform) => ({
        userId: opts.user!,
        platform,
      }))
    : await knownConnections(ctx);
  const rows: { userId: string; platform: PlatformId; status?: ConnectionStatus }[] = [];
  for (const t of targets) {
    try {
      rows.push({ ...t, status: await api.statusOrUndefined(t.userId, t.platform) });
    } catch (err) {
      // A platform this deployment does not serve answers 404 like a missing connection; anything else is real.
      if ((err as { status?: number }).status === 404) rows.push({ ...t });
      else throw err;
    }
  }
  if (ctx.json)
    return ctx.out(
      JSON.stringify(rows.map((r) => ({ userId: r.userId, platform: r.platform, ...r.status }))),
    );
  if (rows.length === 0) {
    ctx.out('No connections yet.');
    return;
  }
  ctx.out(
    formatTable(
      ['USER', 'PLATFORM', 'STATUS', 'LAST SYNC', 'MODE', 'NEXT SYNC', 'ITEMS', 'ERROR'],
      rows.map(({ userId, platform, status }) => [
        userId,
        platform,
        status?.status ?? 'not connected',
        status?.lastSync,
        status?.lastSyncMode,
        status?.nextSyncAt,
        status ? countsText(status) : undefined,
        status?.error,
      ]),
    ),
  );
  if (opts.user && rows.every((r) => !r.status))
    throw new CliError(`${opts.user} has no connections`, EXIT.failed);
}
