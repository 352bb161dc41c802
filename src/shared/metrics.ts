/**
 * Prometheus metrics of socialsync, on a registry the composition root owns (served at `GET /metrics`).
 * The HTTP service and the sync engine share one set per registry: `socialsyncMetrics(registry)` returns the same
 * instances for the same registry, so both sides can call it without "metric already registered" errors.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface SocialsyncMetrics {
  /** Every HTTP request, by route template (never the raw URL: user ids would explode cardinality). */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /**
   * Webhook deliveries by outcome: `handshake`, `rejected`, `delivered`, `duplicate`, `unknown_account`,
   * `ignored` (signed, valid, but no event we act on), `failed` (not handed to Temporal: the platform retries).
   */
  webhooks: Counter<'platform' | 'outcome'>;
  /** Individual webhook events (a Meta POST can carry up to 1,000) by the same outcomes. */
  webhookEvents: Counter<'platform' | 'outcome'>;
  /** Sync runs, observed by the activities when a sync finishes (`outcome`: `completed` | `failed`). */
  syncDuration: Histogram<'platform' | 'mode' | 'outcome'>;
  /** Platform API calls made by activities, by rate-limit bucket (the connector's `CallUsage` keys). */
  apiCalls: Counter<'platform' | 'bucket'>;
  /** Platform answers that were rate limits (HTTP 429 or the platform's throttle codes). */
  rateLimited: Counter<'platform'>;
  /** Billable resources read on pay-per-use platforms (X), by `resource`: `posts` | `users`. */
  platformReads: Counter<'platform' | 'resource'>;
  /** Those reads at the configured prices, in US dollars (an upper bound: X bills a resource once per UTC day). */
  estimatedCost: Counter<'platform'>;
}

/** What the sync engine's activities record (the worker side of the same registry). */
export type EngineMetrics = Pick<
  SocialsyncMetrics,
  'syncDuration' | 'apiCalls' | 'rateLimited' | 'platformReads' | 'estimatedCost'
>;

const byRegistry = new WeakMap<Registry, SocialsyncMetrics>();

export function socialsyncMetrics(registry: Registry): SocialsyncMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: SocialsyncMetrics = {
    httpRequests: new Counter({
      name: 'socialsync_http_requests_total',
      help: 'HTTP requests served, by route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'socialsync_http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhooks: new Counter({
      name: 'socialsync_webhooks_total',
      help: 'Webhook requests, by platform and outcome',
      labelNames: ['platform', 'outcome'],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'socialsync_webhook_events_total',
      help: 'Webhook events, by platform and outcome',
      labelNames: ['platform', 'outcome'],
      registers,
    }),
    syncDuration: new Histogram({
      name: 'socialsync_sync_duration_seconds',
      help: 'Duration of finished syncs, by platform, mode and outcome',
      labelNames: ['platform', 'mode', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    apiCalls: new Counter({
      name: 'socialsync_platform_api_calls_total',
      help: 'Platform API calls, by platform and rate-limit bucket',
      labelNames: ['platform', 'bucket'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'socialsync_platform_rate_limited_total',
      help: 'Platform answers that were rate limits (429 or throttle codes), by platform',
      labelNames: ['platform'],
      registers,
    }),
    platformReads: new Counter({
      name: 'socialsync_platform_reads_total',
      help: 'Billable resources read on pay-per-use platforms, by platform and resource (posts, users)',
      labelNames: ['platform', 'resource'],
      registers,
    }),
    estimatedCost: new Counter({
      name: 'socialsync_platform_estimated_cost_usd_total',
      help: 'Estimated cost of those reads at the configured prices (US dollars), by platform',
      labelNames: ['platform'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
