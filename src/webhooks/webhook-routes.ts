/**
 * `GET|POST /webhooks/instagram`, `GET|POST /webhooks/twitter` (GET = verification / CRC), `POST /webhooks/tiktok`.
 * The connector verifies the signature over the raw body and parses events; this module answers handshakes,
 * refuses what the connector rejected (doing nothing else), and answers 2xx only once the events are with Temporal.
 */
import express, { Router, type Request, type Response } from 'express';
import { platformDescriptors, type ConnectorRegistry } from '../platforms/registry';
import type { PlatformConnector, WebhookRequest } from '../platforms/types';
import type { SocialsyncMetrics } from '../shared/metrics';
import {
  createWebhookIntake,
  type BatchingOptions,
  type WebhookIntake,
  type WebhookIntakeDeps,
} from './webhook-intake';

export interface WebhookRoutesDeps extends WebhookIntakeDeps {
  connectors: ConnectorRegistry;
  metrics: SocialsyncMetrics;
  now: () => number;
  bodyLimitBytes: number;
  deliveryTimeoutMs: number;
  /** Coalescing of concurrent deliveries per connection (default DEFAULT_BATCHING). */
  batching?: Partial<BatchingOptions>;
}

export function webhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();
  // Signatures are over the exact bytes sent, so the body stays raw whatever its content type claims.
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  const log = deps.logger.child({ module: 'webhooks' });
  // One intake for every platform's endpoint, so concurrent requests for a connection share its batches.
  const intake = createWebhookIntake({ ...deps, logger: log }, deps.batching);
  // Which methods each endpoint answers is the platform's own fact (its descriptor's `webhookMethods`).
  for (const { id: platform, webhookMethods } of platformDescriptors()) {
    const connector = deps.connectors[platform];
    if (!connector) continue;
    const handler = webhookHandler({ ...deps, logger: log }, connector, intake);
    for (const method of webhookMethods) {
      if (method === 'GET') router.get(`/webhooks/${platform}`, raw, handler);
      else router.post(`/webhooks/${platform}`, raw, handler);
    }
  }
  return router;
}

function webhookHandler(deps: WebhookRoutesDeps, connector: PlatformConnector, intake: WebhookIntake) {
  const platform = connector.id;
  const count = (outcome: string, events = 0) => {
    deps.metrics.webhooks.inc({ platform, outcome });
    if (events > 0) deps.metrics.webhookEvents.inc({ platform, outcome }, events);
  };

  return async (req: Request, res: Response): Promise<void> => {
    const result = connector.webhooks.handle(toWebhookRequest(req, deps.now()));

    if (result.kind === 'handshake') {
      count('handshake');
      res.status(result.status).type(result.contentType).send(result.body);
      return;
    }
    if (result.kind === 'rejected') {
      count('rejected');
      deps.logger.warn({ platform, status: result.status, reason: result.reason }, 'webhook rejected');
      res.status(result.status).json({ error: result.reason });
      return;
    }
    if (result.events.length === 0) {
      count('ignored');
      res.status(200).json({ received: 0 });
      return;
    }

    try {
      const outcome = await withTimeout(
        intake(platform, result.events),
        deps.deliveryTimeoutMs,
        'handing webhook events to Temporal',
      );
      count(outcome.delivered > 0 ? 'delivered' : outcome.duplicates > 0 ? 'duplicate' : 'unknown_account');
      deps.metrics.webhookEvents.inc({ platform, outcome: 'delivered' }, outcome.delivered);
      deps.metrics.webhookEvents.inc({ platform, outcome: 'duplicate' }, outcome.duplicates);
      deps.metrics.webhookEvents.inc({ platform, outcome: 'unknown_account' }, outcome.unknownAccount);
      res.status(200).json({
        received: result.events.length,
        delivered: outcome.delivered,
        duplicates: outcome.duplicates,
      });
    } catch (err) {
      // Not acknowledged: the platform redelivers, and dedupe makes the redelivery of any part that did land a no-op.
      count('failed', result.events.length);
      deps.logger.error(
        { platform, events: result.events.length, err: (err as Error).message },
        'webhook not delivered',
      );
      res.status(503).json({ error: 'could not hand the events to the sync engine; retry later' });
    }
  };
}

function toWebhookRequest(req: Request, now: number): WebhookRequest {
  return {
    method: req.method === 'GET' ? 'GET' : 'POST',
    headers: req.headers,
    query: req.query as WebhookRequest['query'],
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    now,
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
