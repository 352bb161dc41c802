/**
 * Access logs (pino-http) and request metrics. Logged requests carry method, route-masked URL and status only:
 * no headers (Authorization, signatures, cookies) and no secret query values (OAuth codes, states, verify tokens).
 */
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { redactUrl, type Logger } from '../shared/logger';
import type { SocialsyncMetrics } from '../shared/metrics';

/** Query parameters that are secrets or single-use credentials in our routes, on top of the logger's own list. */
const SECRET_QUERY = /([?&](?:state|hub\.verify_token|crc_token|error_description)=)[^&#\s]*/g;

export function safeUrl(url: string): string {
  return redactUrl(url).replace(SECRET_QUERY, '$1[Redacted]');
}

export function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger: logger.child({ module: 'http' }),
    // Probes every few seconds would drown everything else.
    autoLogging: {
      ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
    },
    customLogLevel: (req, res, err) =>
      err || res.statusCode >= 500
        ? 'error'
        : res.statusCode >= 400
          ? 'warn'
          : isWebhookDelivery(req.method, req.url)
            ? 'debug'
            : 'info',
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: safeUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/**
 * Accepted webhook deliveries are the service's bulk traffic (hundreds a second in a burst) and are counted by
 * `socialsync_webhooks_total` / `socialsync_webhook_events_total`: their access-log line is at debug (issue 13: one
 * line per delivery was a tenth of the intake's CPU). Rejected (4xx) and failed (5xx) ones keep warn / error, and
 * the intake logs why; handshakes (GET) stay at info.
 */
export function isWebhookDelivery(method: string | undefined, url: string | undefined): boolean {
  return method === 'POST' && url !== undefined && url.startsWith('/webhooks/');
}

/** Counts and times every request by its route template (`/api/users/:userId/...`), never the raw path. */
export function requestMetrics(metrics: SocialsyncMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}
