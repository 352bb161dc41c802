/**
 * An HTTP endpoint that hands every request to a connector's webhook handler and answers as the service would:
 * handshakes echoed, events 200 (and collected), rejections with their status. For connector tests that let a
 * sandbox subscribe and deliver over real HTTP.
 */
import { listen } from '../../src/sandbox/core/http';
import type { WebhookEvent, WebhookHandler } from '../../src/platforms/types';

export interface WebhookReceiver {
  url: string;
  /** Events parsed from accepted deliveries, in arrival order. */
  events: WebhookEvent[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  handler: WebhookHandler,
  now: () => number,
): Promise<WebhookReceiver> {
  const events: WebhookEvent[] = [];
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://receiver');
      const result = handler.handle({
        method: req.method as 'GET' | 'POST',
        headers: req.headers,
        query: Object.fromEntries(url.searchParams),
        rawBody: Buffer.concat(chunks),
        now: now(),
      });
      if (result.kind === 'handshake') {
        res.writeHead(200, { 'content-type': result.contentType }).end(result.body);
      } else if (result.kind === 'events') {
        events.push(...result.events);
        res.writeHead(200).end();
      } else {
        res.writeHead(result.status).end(result.reason);
      }
    });
  });
  return { url: server.url, events, close: () => server.close() };
}
