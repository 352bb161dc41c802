/** Access-log levels: accepted webhook deliveries at debug, everything else as before. */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../shared/logger';
import { accessLog, isWebhookDelivery } from './request-logging';

function appWithLog() {
  const lines: { level: number; msg?: string; req?: { url?: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const app = express();
  app.use(accessLog(createLogger({ level: 'info' }, sink)));
  app.post('/webhooks/tiktok', (req, res) => {
    if (req.headers['x-forge'] === '1') res.status(401).json({ error: 'signature mismatch' });
    else if (req.headers['x-fail'] === '1') res.status(503).json({ error: 'retry later' });
    else res.status(200).json({ received: 1 });
  });
  app.get('/webhooks/instagram', (_req, res) => res.status(200).send('42'));
  app.get('/api/thing', (_req, res) => res.status(200).json({}));
  return { app, lines };
}

it('isWebhookDelivery: POSTs to the webhook routes only', () => {
  expect(isWebhookDelivery('POST', '/webhooks/tiktok')).toBe(true);
  expect(isWebhookDelivery('GET', '/webhooks/instagram?hub.mode=subscribe')).toBe(false);
  expect(isWebhookDelivery('POST', '/api/users/u/connections/tiktok')).toBe(false);
  expect(isWebhookDelivery(undefined, undefined)).toBe(false);
});

/** Serves the app on a loopback port for one test; `send` answers the status. */
async function serve(app: express.Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async send(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}) {
      const res = await fetch(base + path, { method, headers, body: method === 'POST' ? '{}' : undefined });
      await res.arrayBuffer();
      return res.status;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

it('an accepted delivery writes no info line; rejected and failed ones keep warn and error', async () => {
  const { app, lines } = appWithLog();
  const http = await serve(app);
  try {
    expect(await http.send('POST', '/webhooks/tiktok')).toBe(200);
    expect(lines).toEqual([]);
    expect(await http.send('POST', '/webhooks/tiktok', { 'x-forge': '1' })).toBe(401);
    expect(await http.send('POST', '/webhooks/tiktok', { 'x-fail': '1' })).toBe(503);
    expect(await http.send('GET', '/webhooks/instagram')).toBe(200);
    expect(await http.send('GET', '/api/thing')).toBe(200);
  } finally {
    await http.close();
  }
  // pino levels: 30 info, 40 warn, 50 error.
  expect(lines.map((l) => [l.level, l.req?.url])).toEqual([
    [40, '/webhooks/tiktok'],
    [50, '/webhooks/tiktok'],
    [30, '/webhooks/instagram'],
    [30, '/api/thing'],
  ]);
});
