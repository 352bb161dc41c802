/**
 * Webhook intake throughput: signed TikTok deliveries POSTed over real HTTP (keep-alive, N in flight) to the real
 * app (`createApp`) with the real TikTok signature verification and parsing, account lookup, dedupe and hand-off.
 * The stores and the sync engine behind the hand-off are in memory here, so the number measures the HTTP service
 * itself; every accepted event is checked against what reached the hand-off ("lost" must be 0), and a share of
 * forged deliveries checks that rejection stays cheap and never reaches it.
 *
 * `npm run bench` runs it through bench/run.ts; `tsx bench/webhooks.ts [requests] [concurrency]` runs it alone.
 */
import { createHmac } from 'node:crypto';
import { Registry } from 'prom-client';
import { createTikTokConnector } from '../src/platforms/tiktok';
import type { PlatformId, WebhookEvent } from '../src/platforms/types';
import { silentLogger } from '../src/shared/logger';
import type { AccountIndex, TokenStore } from '../src/store/types';
import type { SyncService } from '../src/sync/service';
import { createApp, serve } from '../src/webhooks';
import type { OAuthStateStore, WebhookDedupe } from '../src/store';
import type { ConnectionKey } from '../src/domain';

export interface WebhookBenchOptions {
  requests?: number;
  concurrency?: number;
  /** Connected accounts the events are spread over. */
  accounts?: number;
  /** Every n-th request carries a forged signature (0 = none). */
  forgedEvery?: number;
}

export interface WebhookBenchResult {
  requests: number;
  concurrency: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  accepted: number;
  rejected: number;
  failed: number;
  /** Accepted events that never reached the sync engine hand-off. */
  lost: number;
  /** Forged deliveries that reached the hand-off (must be 0). */
  forgedDelivered: number;
}

const CLIENT_KEY = 'bench-client';
const CLIENT_SECRET = 'bench-secret';

export async function benchmarkWebhooks(options: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const { requests = 5_000, concurrency = 50, accounts = 100, forgedEvery = 10 } = options;
  const delivered = new Set<string>();
  const remembered = new Set<string>();

  const accountIndex: AccountIndex = {
    put: async () => undefined,
    remove: async () => undefined,
    find: async (platform: PlatformId, accountId: string): Promise<ConnectionKey[]> => [
      { userId: `user-${accountId}`, platform },
    ],
  };
  const dedupe: WebhookDedupe = {
    seen: async (key, ids) => new Set(ids.filter((id) => remembered.has(`${key.userId}:${id}`))),
    remember: async (key, ids) => ids.forEach((id) => remembered.add(`${key.userId}:${id}`)),
  };
  const syncService: Pick<SyncService, 'deliverWebhookEvents'> = {
    deliverWebhookEvents: async (_key: ConnectionKey, events: WebhookEvent[]) => {
      for (const e of events) delivered.add(e.itemId ?? e.eventId);
    },
  };
  const unused = () => Promise.reject(new Error('not used by the webhook benchmark'));
  const connector = createTikTokConnector({
    clientKey: CLIENT_KEY,
    clientSecret: CLIENT_SECRET,
    authorizeUrl: 'https://www.tiktok.com/v2/auth/authorize/',
    apiUrl: 'http://127.0.0.1:9',
    callsPerMinute: 600,
  });
  const app = createApp({
    config: { PUBLIC_BASE_URL: 'http://127.0.0.1', ADMIN_API_KEY: undefined, PORT: 0 },
    connectors: { tiktok: connector },
    tokenStore: {
      save: unused,
      load: unused,
      delete: unused,
      rotateKeys: unused,
      acquireRefreshLease: unused,
      releaseRefreshLease: unused,
    } as TokenStore,
    accountIndex,
    oauthStates: { create: unused, consume: unused } as OAuthStateStore,
    dedupe,
    syncService: syncService as SyncService,
    idTokens: { verifyIdToken: unused },
    readiness: [],
    registry: new Registry(),
    logger: silentLogger,
  });
  const service = await serve({ app, port: 0, host: '127.0.0.1', logger: silentLogger });

  const latencies: number[] = [];
  const forgedIds = new Set<string>();
  let accepted = 0;
  let rejected = 0;
  let failed = 0;
  const acceptedIds: string[] = [];

  const send = async (i: number): Promise<void> => {
    const videoId = String(7_000_000_000_000_000_000n + BigInt(i));
    const forged = forgedEvery > 0 && i % forgedEvery === forgedEvery - 1;
    const t = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      client_key: CLIENT_KEY,
      event: 'video.publish.completed',
      create_time: t,
      user_openid: `open-${i % accounts}`,
      content: JSON.stringify({ video_id: videoId }),
    });
    const mac = createHmac('sha256', forged ? 'not-the-secret' : CLIENT_SECRET)
      .update(`${t}.${body}`)
      .digest('hex');
    const started = performance.now();
    const res = await fetch(`${service.url}/webhooks/tiktok`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tiktok-signature': `t=${t},s=${mac}` },
      body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    if (forged) forgedIds.add(videoId);
    if (res.status === 200) {
      accepted += 1;
      acceptedIds.push(videoId);
    } else if (res.status === 401 || res.status === 400) rejected += 1;
    else failed += 1;
  };

  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await service.close({ graceMs: 1_000 });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) /
    100;
  return {
    requests,
    concurrency,
    seconds: Math.round(seconds * 1000) / 1000,
    requestsPerSecond: Math.round(requests / seconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    accepted,
    rejected,
    failed,
    lost: acceptedIds.filter((id) => !delivered.has(id)).length,
    forgedDelivered: [...forgedIds].filter((id) => delivered.has(id)).length,
  };
}

export function formatWebhookBench(r: WebhookBenchResult): string {
  return [
    `webhook intake (TikTok, signature verified): ${r.requests} requests, ${r.concurrency} in flight`,
    `  ${r.requestsPerSecond} req/s over ${r.seconds} s, latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`,
    `  accepted ${r.accepted}, rejected (forged) ${r.rejected}, failed ${r.failed}, lost ${r.lost}, forged delivered ${r.forgedDelivered}`,
  ].join('\n');
}

if (require.main === module) {
  const [requests, concurrency] = process.argv.slice(2).map(Number);
  benchmarkWebhooks({ requests: requests || undefined, concurrency: concurrency || undefined })
    .then((r) => {
      console.log(formatWebhookBench(r));
      if (r.lost > 0 || r.forgedDelivered > 0 || r.failed > 0) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
