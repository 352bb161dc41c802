/** Access-log levels: accepted webhook deliveries at debug, everything else as before. */
import express from 'express';
import request from 'supertest';
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

it('an accepted delivery writes no info line; rejected and failed ones keep warn and error', async () => {
  const { app, lines } = appWithLog();
  await request(app).post('/webhooks/tiktok').send('{}').expect(200);
  expect(lines).toEqual([]);
  await request(app).post('/webhooks/tiktok').set('x-forge', '1').send('{}').expect(401);
  await request(app).post('/webhooks/tiktok').set('x-fail', '1').send('{}').expect(503);
  await request(app).get('/webhooks/instagram').expect(200);
  await request(app).get('/api/thing').expect(200);
  // pino levels: 30 info, 40 warn, 50 error.
  expect(lines.map((l) => [l.level, l.req?.url])).toEqual([
    [40, '/webhooks/tiktok'],
    [50, '/webhooks/tiktok'],
    [30, '/webhooks/instagram'],
    [30, '/api/thing'],
  ]);
});
