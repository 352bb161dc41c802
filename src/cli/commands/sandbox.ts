/**
 * `sandbox …`: drive the sandbox platforms of a running `npm start` over their `/_sandbox` control API — list
 * accounts, add a post, send a webhook, advance the shared clock. Without `--account` the logged-in account (the
 * one the consent page connects, and so the demo user's) is used.
 */
import type { PlatformId } from '../../platforms/types';
import { parseDuration } from '../../shared/duration';
import type { CliContext } from '../context';
import { CliError, EXIT, parsePlatform } from '../context';
import { formatTable } from '../table';

interface AccountsAnswer {
  loggedIn?: string | null;
  accounts: { accountId: string; username?: string; loggedIn?: boolean; [k: string]: unknown }[];
}

async function control<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the sandbox at ${base}: ${(err as Error).message}`, EXIT.unreachable);
  }
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok)
    throw new CliError(
      `sandbox refused ${method} ${path}: ${(json as { error?: string })?.error ?? text}`,
      EXIT.failed,
    );
  return json as T;
}

async function accountOf(base: string, given?: string): Promise<string> {
  if (given) return given;
  const answer = await control<AccountsAnswer>(base, 'GET', '/accounts');
  const loggedIn = answer.loggedIn ?? answer.accounts.find((a) => a.loggedIn)?.accountId;
  const id = loggedIn ?? answer.accounts[0]?.accountId;
  if (!id) throw new CliError('the sandbox has no accounts', EXIT.failed);
  return id;
}

export async function sandboxAccounts(
  ctx: CliContext,
  opts: { platform: string; sandboxUrl?: string },
): Promise<void> {
  const base = ctx.sandboxUrl(parsePlatform(opts.platform), opts.sandboxUrl);
  const answer = await control<AccountsAnswer>(base, 'GET', '/accounts');
  if (ctx.json) return ctx.out(JSON.stringify(answer));
  const loggedIn = await accountOf(base);
  ctx.out(
    formatTable(
      ['ACCOUNT', 'USERNAME', 'LOGGED IN'],
      answer.accounts.map((a) => [a.accountId, a.username, a.accountId === loggedIn ? 'yes' : '']),
    ),
  );
}

export async function sandboxAddPost(
  ctx: CliContext,
  opts: { platform: string; account?: string; text?: string; likes?: string; sandboxUrl?: string },
): Promise<void> {
  const platform = parsePlatform(opts.platform);
  const base = ctx.sandboxUrl(platform, opts.sandboxUrl);
  const accountId = await accountOf(base, opts.account);
  const likes = opts.likes === undefined ? undefined : Number(opts.likes);
  if (likes !== undefined && (!Number.isInteger(likes) || likes < 0))
    throw new CliError('--likes must be a whole number', EXIT.usage);
  const item = await control<{ id: string; createdAt?: string }>(
    base,
    'POST',
    `/accounts/${encodeURIComponent(accountId)}/items`,
    {
      text: opts.text ?? `posted from the socialsync CLI at ${new Date().toISOString()}`,
      ...(likes === undefined ? {} : { metrics: { likes } }),
    },
  );
  if (ctx.json) return ctx.out(JSON.stringify({ accountId, ...item }));
  ctx.out(`Added ${platform} post ${item.id} to account ${accountId}.`);
}

const WEBHOOK_BODIES: Record<PlatformId, (accountId: string, type?: string) => Record<string, unknown>> = {
  instagram: (accountId, type) => ({ accountId, field: type ?? 'comments' }),
  twitter: (accountId, type) => ({ accountId, type: type ?? 'tweet_create' }),
  tiktok: (accountId, type) => ({ accountId, event: type ?? 'video.publish.completed' }),
};

export async function sandboxWebhook(
  ctx: CliContext,
  opts: { platform: string; account?: string; type?: string; sandboxUrl?: string },
): Promise<void> {
  const platform = parsePlatform(opts.platform);
  const base = ctx.sandboxUrl(platform, opts.sandboxUrl);
  const accountId = await accountOf(base, opts.account);
  const answer = await control<{
    deliveries: { url?: string; status?: number; ok?: boolean; error?: string }[];
  }>(base, 'POST', '/webhooks/send', WEBHOOK_BODIES[platform](accountId, opts.type));
  if (ctx.json) return ctx.out(JSON.stringify(answer));
  if (answer.deliveries.length === 0) {
    throw new CliError(
      'nothing delivered: no webhook subscriber (is the service running?), or the account is not connected (Instagram delivers only for accounts subscribed on connect)',
      EXIT.failed,
    );
  }
  for (const d of answer.deliveries)
    ctx.out(`Delivered to ${d.url ?? '?'}: HTTP ${d.status ?? d.error ?? '?'}`);
}

export async function sandboxAdvance(
  ctx: CliContext,
  opts: { duration: string; platform?: string; sandboxUrl?: string },
): Promise<void> {
  let ms: number;
  try {
    ms = parseDuration(opts.duration);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  // The three sandboxes share one clock: advancing it through any of them moves all.
  const platform = opts.platform
    ? parsePlatform(opts.platform)
    : (Object.keys(ctx.runtime?.sandboxes ?? {})[0] as PlatformId | undefined);
  if (!platform && !opts.sandboxUrl) throw new CliError('no sandbox is running here', EXIT.usage);
  const base = opts.sandboxUrl ?? ctx.sandboxUrl(platform!);
  const answer = await control<{ iso: string }>(base, 'POST', '/clock/advance', { ms });
  if (ctx.json) return ctx.out(JSON.stringify(answer));
  ctx.out(`Sandbox clock is now ${answer.iso}.`);
}
