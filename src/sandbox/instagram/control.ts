/**
 * `/_sandbox` control API (JSON), the same routes on all three sandbox platforms (see docs/instagram.md).
 * Control requests are not platform traffic, so they are not recorded in the request log.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FaultRule } from '../core/faults';
import type { InstagramSandbox } from './api';

export function createControlApp(sandbox: InstagramSandbox): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  const r = express.Router();

  r.get('/requests', (req, res) => {
    const endpoint = typeof req.query.endpoint === 'string' ? req.query.endpoint : undefined;
    const user = typeof req.query.user === 'string' ? req.query.user : undefined;
    res.json({ requests: sandbox.log.all({ endpoint, user }), stats: sandbox.log.stats() });
  });
  r.delete('/requests', (_req, res) => {
    sandbox.log.clear();
    res.status(204).end();
  });

  r.get('/clock', (_req, res) =>
    res.json({ now: sandbox.clock.now(), iso: new Date(sandbox.clock.now()).toISOString() }),
  );
  r.post('/clock/advance', (req, res) => {
    sandbox.clock.advance(Number(req.body?.ms));
    res.json({ now: sandbox.clock.now(), iso: new Date(sandbox.clock.now()).toISOString() });
  });

  r.get('/faults', (_req, res) => res.json({ faults: sandbox.faults.list() }));
  r.post('/faults', (req, res) => {
    const rule = req.body as FaultRule;
    if (!rule || typeof rule.endpoint !== 'string')
      return res.status(400).json({ error: 'endpoint is required' });
    res.status(201).json({ id: sandbox.faults.add(rule).id });
  });
  r.delete('/faults', (_req, res) => {
    sandbox.faults.clear();
    res.status(204).end();
  });

  r.get('/accounts', (_req, res) =>
    res.json({
      accounts: sandbox.accountIds().map((accountId) => {
        const truth = sandbox.groundTruth(accountId);
        return {
          accountId,
          username: truth.profile.username,
          followers: truth.profile.followers,
          posts: truth.items.posts?.length ?? 0,
          stories: truth.items.stories?.length ?? 0,
        };
      }),
      ...sandbox.describe(),
    }),
  );
  r.post('/accounts', (req, res) =>
    res.status(201).json({ accountId: sandbox.createAccount(req.body ?? {}) }),
  );
  r.post('/login', (req, res) => {
    sandbox.login(String(req.body?.accountId));
    res.json({ loggedIn: req.body.accountId });
  });
  r.post('/accounts/:accountId/items', (req, res) =>
    res.status(201).json(sandbox.addItem(req.params.accountId!, req.body ?? {})),
  );
  r.patch('/accounts/:accountId/items/:itemId', async (req, res) =>
    res.json(await sandbox.patchItem(req.params.accountId!, req.params.itemId!, req.body ?? {})),
  );
  r.delete('/accounts/:accountId/items/:itemId', (req, res) => {
    sandbox.deleteItem(req.params.accountId!, req.params.itemId!);
    res.status(204).end();
  });
  r.patch('/accounts/:accountId/profile', (req, res) =>
    res.json(sandbox.patchProfile(req.params.accountId!, req.body ?? {})),
  );
  r.post('/accounts/:accountId/revoke', (req, res) => {
    sandbox.revoke(req.params.accountId!);
    res.json({ revoked: true });
  });
  r.post('/accounts/:accountId/expire-tokens', (req, res) =>
    res.json({ expired: sandbox.expireTokens(req.params.accountId!) }),
  );

  r.post('/refusals', (req, res) => res.status(201).json({ id: sandbox.refuse(req.body ?? {}) }));
  r.delete('/refusals', (_req, res) => {
    sandbox.clearRefusals();
    res.status(204).end();
  });
  r.get('/accounts/:accountId/subscribed-fields', (req, res) =>
    res.json({ fields: sandbox.subscribedFields(req.params.accountId!) }),
  );

  r.put('/limits', (req, res) => {
    sandbox.setLimits(req.body ?? {});
    res.json(sandbox.describe().limits);
  });
  r.put('/app', (req, res) => res.json(sandbox.setApp(req.body ?? {})));

  r.post('/webhooks/subscribe', async (req, res) => {
    await sandbox.subscribeWebhook(String(req.body?.url));
    res.json({ subscribed: sandbox.outbox.subscriptions() });
  });
  r.get('/webhooks', (_req, res) =>
    res.json({ subscriptions: sandbox.outbox.subscriptions(), deliveries: sandbox.outbox.log() }),
  );
  r.post('/webhooks/redeliver', async (_req, res) =>
    res.json({ deliveries: await sandbox.outbox.redeliverFailed() }),
  );
  r.post('/webhooks/send', async (req, res) =>
    res.json({ deliveries: await sandbox.sendWebhook(req.body ?? {}) }),
  );

  r.get('/ground-truth/:accountId', (req, res) => res.json(sandbox.groundTruth(req.params.accountId!)));

  app.use('/_sandbox', r);
  app.use((_req: Request, res: Response) => res.status(404).json({ error: 'unknown control route' }));
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? (err instanceof RangeError ? 400 : 500);
    res.status(status).json({ error: err.message });
  });
  return app;
}
