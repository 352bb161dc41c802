/**
 * The `/_sandbox` control API (JSON), the same routes on all three sandbox platforms: request log, clock,
 * faults, accounts and items, limits, webhooks, ground truth. Not logged in the request log (clients never call it).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FaultRule } from '../core/faults';
import { BadInput, NotFound, type TwitterWorld, type WebhookSendRequest } from './state';

type AsyncRoute = (req: Request, res: Response) => unknown;

function wrap(handler: AsyncRoute) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const result = await handler(req, res);
      if (!res.headersSent) res.json(result ?? { ok: true });
    } catch (err) {
      next(err);
    }
  };
}

function body(req: Request): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)
    ? (req.body as Record<string, unknown>)
    : {};
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new BadInput(`${name} must be a non-negative number`);
  return value;
}

export function createControlRouter(world: TwitterWorld): express.Router {
  const router = express.Router();
  router.use(express.json());

  router.get(
    '/requests',
    wrap((req) => {
      const endpoint =
        typeof req.query.endpoint === 'string' && req.query.endpoint ? req.query.endpoint : undefined;
      const user = typeof req.query.user === 'string' && req.query.user ? req.query.user : undefined;
      return { requests: world.log.all({ endpoint, user }), stats: world.log.stats() };
    }),
  );
  router.delete(
    '/requests',
    wrap(() => void world.log.clear()),
  );

  router.get(
    '/clock',
    wrap(() => ({ now: world.clock.now(), iso: new Date(world.clock.now()).toISOString() })),
  );
  router.post(
    '/clock/advance',
    wrap((req) => {
      const ms = optionalNumber(body(req).ms, 'ms');
      if (ms === undefined) throw new BadInput('ms is required');
      world.clock.advance(ms);
      return { now: world.clock.now(), iso: new Date(world.clock.now()).toISOString() };
    }),
  );

  router.get(
    '/faults',
    wrap(() => ({ faults: world.faults.list() })),
  );
  router.post(
    '/faults',
    wrap((req) => {
      const rule = body(req) as unknown as FaultRule;
      if (typeof rule.endpoint !== 'string' || rule.endpoint === '')
        throw new BadInput('endpoint is required');
      return { id: world.faults.add(rule).id };
    }),
  );
  router.delete(
    '/faults',
    wrap(() => void world.faults.clear()),
  );

  router.get(
    '/accounts',
    wrap(() => ({
      accounts: world.accountIds().map((id) => {
        const a = world.account(id);
        return {
          accountId: id,
          username: a.username,
          name: a.name,
          items: a.tweets.length,
          loggedIn: world.loggedIn === id,
        };
      }),
    })),
  );
  router.post(
    '/accounts',
    wrap((req) => {
      const b = body(req);
      const accountId = world.addAccount({
        seed: optionalNumber(b.seed, 'seed'),
        items: optionalNumber(b.items, 'items'),
        followers: optionalNumber(b.followers, 'followers'),
      });
      return { accountId };
    }),
  );
  router.post(
    '/login',
    wrap((req) => {
      const accountId = String(body(req).accountId ?? '');
      world.login(accountId);
      return { accountId };
    }),
  );

  router.post(
    '/accounts/:accountId/items',
    wrap((req) => {
      const b = body(req);
      return world.createItem(String(req.params.accountId), {
        kind: typeof b.kind === 'string' ? b.kind : undefined,
        text: typeof b.text === 'string' ? b.text : undefined,
        metrics: (b.metrics as Record<string, number> | undefined) ?? undefined,
        createdAt:
          typeof b.createdAt === 'string' || typeof b.createdAt === 'number' ? b.createdAt : undefined,
      });
    }),
  );
  router.patch(
    '/accounts/:accountId/items/:itemId',
    wrap((req) => {
      const b = body(req);
      return world.updateItem(String(req.params.accountId), String(req.params.itemId), {
        text: typeof b.text === 'string' ? b.text : undefined,
        metrics: (b.metrics as Record<string, number> | undefined) ?? undefined,
      });
    }),
  );
  router.delete(
    '/accounts/:accountId/items/:itemId',
    wrap(async (req) => {
      await world.deleteItem(String(req.params.accountId), String(req.params.itemId));
      return { deleted: true };
    }),
  );
  router.patch(
    '/accounts/:accountId/profile',
    wrap((req) => world.updateProfile(String(req.params.accountId), body(req))),
  );
  router.post(
    '/accounts/:accountId/revoke',
    wrap((req) => world.revokeAccount(String(req.params.accountId))),
  );
  router.post(
    '/accounts/:accountId/expire-tokens',
    wrap((req) => world.expireTokens(String(req.params.accountId))),
  );

  router.put(
    '/limits',
    wrap((req) => {
      const b = body(req);
      world.setLimits({
        perUser: optionalNumber(b.perUser, 'perUser'),
        perApp: optionalNumber(b.perApp, 'perApp'),
        windowMs: optionalNumber(b.windowMs, 'windowMs'),
      });
      return {
        limits: Object.fromEntries(
          Object.entries(world.limiters).map(([e, l]) => [
            e,
            { perUser: l.perUser.limit, perApp: l.perApp?.limit, windowMs: l.perUser.windowMs },
          ]),
        ),
      };
    }),
  );

  // X's monthly post cap (pay-per-use): `{ postCap: number | null, used?: number }`; null lifts the cap.
  router.get(
    '/usage-cap',
    wrap(() => world.usageCap.state()),
  );
  router.put(
    '/usage-cap',
    wrap((req) => {
      const b = body(req);
      const postCap = b.postCap === null ? null : optionalNumber(b.postCap, 'postCap');
      if (postCap === undefined)
        throw new BadInput('postCap is required (a number, or null to lift the cap)');
      return world.usageCap.set({ postCap, used: optionalNumber(b.used, 'used') });
    }),
  );

  router.post(
    '/webhooks/subscribe',
    wrap(async (req, res) => {
      const url = String(body(req).url ?? '');
      const result = await world.subscribeWebhook(url);
      if (!result.ok) res.status(400);
      return { subscribed: result.ok, ...(result.reason ? { reason: result.reason } : {}) };
    }),
  );
  router.get(
    '/webhooks',
    wrap(() => ({
      webhooks: [...world.delivery.webhooks.values()],
      subscriptions: world.delivery.listSubscriptions(),
      deliveries: world.outbox.log(),
    })),
  );
  // X's hourly CRC check failed (the service was down): the webhook is marked invalid and gets nothing.
  router.post(
    '/webhooks/:webhookId/invalidate',
    wrap((req) => {
      const id = String(req.params.webhookId);
      if (!world.delivery.webhooks.has(id)) throw new NotFound(`no webhook ${id}`);
      world.delivery.invalidateWebhook(id);
      return { webhook: world.delivery.webhooks.get(id) };
    }),
  );
  router.post(
    '/webhooks/redeliver',
    wrap(async () => ({ deliveries: await world.outbox.redeliverFailed() })),
  );
  router.post(
    '/webhooks/send',
    wrap(async (req) => ({
      deliveries: await world.sendWebhook(body(req) as unknown as WebhookSendRequest),
    })),
  );

  router.get(
    '/ground-truth/:accountId',
    wrap((req) => world.groundTruth(String(req.params.accountId))),
  );

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const parseError = (err as { type?: string }).type === 'entity.parse.failed';
    const status =
      err instanceof NotFound
        ? 404
        : err instanceof BadInput || err instanceof RangeError || parseError
          ? 400
          : 500;
    res.status(status).json({ error: (err as Error).message });
  });
  return router;
}
