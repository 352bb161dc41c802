/**
 * The three sandbox platforms served together on 127.0.0.1, sharing one SandboxClock (used by `npm start`,
 * `npm run sandbox` and tests). Each sandbox serves the platform's real paths plus its `/_sandbox` control API;
 * `env()` gives the socialsync variables that point the connectors at them.
 */
import { SandboxClock } from './core/clock';
import { listen, type RunningServer } from './core/http';
import type { PlatformSandbox } from './core/types';
import { createInstagramSandbox, type InstagramSandbox } from './instagram';
import { createTikTokSandbox, type TikTokSandbox } from './tiktok';
import { createTwitterSandbox, type TwitterSandbox } from './twitter';

export { SandboxClock } from './core/clock';
export type { PlatformSandbox } from './core/types';

export interface StartSandboxesOptions {
  /** Seed of the generated worlds: the same seed gives the same accounts, items, metrics and client ids (secrets are random). */
  seed: number;
  clock?: SandboxClock;
  /** Consent screens approve at once instead of waiting for the "Allow" click (default false). */
  autoApprove?: boolean;
  /** Fixed ports per platform (0 or absent = any free port). */
  ports?: Partial<Record<PlatformId, number>>;
  /** Which platforms to start (default all three). */
  platforms?: readonly PlatformId[];
  /** Generated accounts per platform and items per account (defaults of each sandbox when absent). */
  accounts?: number;
  itemsPerAccount?: number;
}

export interface RunningSandbox<S extends PlatformSandbox = PlatformSandbox> {
  sandbox: S;
  /** Base URL of this platform, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

export interface SandboxSet {
  clock: SandboxClock;
  instagram?: RunningSandbox<InstagramSandbox>;
  twitter?: RunningSandbox<TwitterSandbox>;
  tiktok?: RunningSandbox<TikTokSandbox>;
  /** The running sandboxes in platform order. */
  list(): (RunningSandbox & { platform: PlatformId })[];
  /** Merged socialsync environment variables (client ids, secrets, authorize/token/API URLs) of every sandbox. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Every platform started: the shape `startSandboxes` returns without a `platforms` filter. */
export type AllSandboxes = SandboxSet & Required<Pick<SandboxSet, PlatformId>>;

/** The platforms the sandboxes imitate (their own list: the sandboxes share nothing with the connectors). */
export const ALL_PLATFORMS = ['instagram', 'twitter', 'tiktok'] as const;
export type PlatformId = (typeof ALL_PLATFORMS)[number];

// Each platform's generator gets its own seed so two platforms never produce the same-looking world.
const SEED_OFFSET: Record<PlatformId, number> = { instagram: 0, twitter: 1, tiktok: 2 };

function create(platform: PlatformId, opts: StartSandboxesOptions, clock: SandboxClock): PlatformSandbox {
  const common = {
    clock,
    seed: opts.seed + SEED_OFFSET[platform],
    autoApprove: opts.autoApprove ?? false,
    ...(opts.accounts !== undefined ? { accounts: opts.accounts } : {}),
    ...(opts.itemsPerAccount !== undefined ? { itemsPerAccount: opts.itemsPerAccount } : {}),
  };
  switch (platform) {
    case 'instagram':
      return createInstagramSandbox(common);
    case 'twitter':
      return createTwitterSandbox(common);
    case 'tiktok':
      return createTikTokSandbox(common);
  }
}

export async function startSandboxes(
  opts: StartSandboxesOptions & { platforms?: undefined },
): Promise<AllSandboxes>;
export async function startSandboxes(opts: StartSandboxesOptions): Promise<SandboxSet>;
export async function startSandboxes(opts: StartSandboxesOptions): Promise<SandboxSet> {
  const clock = opts.clock ?? new SandboxClock();
  const platforms = opts.platforms ?? ALL_PLATFORMS;
  const running: (RunningSandbox & { platform: PlatformId; server: RunningServer })[] = [];
  try {
    for (const platform of ALL_PLATFORMS.filter((p) => platforms.includes(p))) {
      const sandbox = create(platform, opts, clock);
      const server = await listen(sandbox.handler, opts.ports?.[platform] ?? 0);
      running.push({ platform, sandbox, url: server.url, server });
    }
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.server.close()));
    throw err;
  }
  const find = <S extends PlatformSandbox>(p: PlatformId): RunningSandbox<S> | undefined => {
    const r = running.find((x) => x.platform === p);
    return r && { sandbox: r.sandbox as S, url: r.url };
  };
  let closing: Promise<void> | undefined;
  return {
    clock,
    instagram: find<InstagramSandbox>('instagram'),
    twitter: find<TwitterSandbox>('twitter'),
    tiktok: find<TikTokSandbox>('tiktok'),
    list: () => running.map(({ platform, sandbox, url }) => ({ platform, sandbox, url })),
    env: () => Object.assign({}, ...running.map((r) => r.sandbox.env(r.url))) as Record<string, string>,
    close() {
      closing ??= Promise.allSettled(running.map((r) => r.server.close())).then(() => undefined);
      return closing;
    },
  };
}

/**
 * Subscribes each sandbox's webhook outbox to the service's `/webhooks/{platform}` (Instagram and X run their
 * verification handshake against it first, as the real platforms do), over the sandbox's HTTP control API.
 */
export async function subscribeSandboxWebhooks(
  sandboxes: Pick<SandboxSet, 'list'>,
  serviceBaseUrl: string,
): Promise<void> {
  const base = serviceBaseUrl.replace(/\/+$/, '');
  for (const { platform, url } of sandboxes.list()) {
    const res = await fetch(`${url}/_sandbox/webhooks/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${base}/webhooks/${platform}` }),
    });
    if (!res.ok) {
      throw new Error(
        `subscribing the ${platform} sandbox's webhooks failed: HTTP ${res.status} ${await res.text()}`,
      );
    }
  }
}
