/**
 * X's real-time delivery endpoints on the sandbox: `POST /oauth2/token` (app-only bearer), the V2 Webhooks API
 * (`GET|POST /2/webhooks`, `PUT|DELETE /2/webhooks/:webhook_id`) and the X Activity API subscriptions
 * (`GET|POST /2/activity/subscriptions`, `DELETE /2/activity/subscriptions/:subscription_id`), with X's auth rules:
 * webhooks take only the app-only bearer token; subscriptions to public events take it too, private events need
 * the user's OAuth 2.0 token; deleting takes the app token (X OpenAPI spec, `security` of each operation).
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { DeliveryRefusal } from './delivery';
import {
  APP_TOKEN_ERROR,
  PRIVATE_EVENT_TYPES,
  PUBLIC_EVENT_TYPES,
  REVOKE_EVENT_TYPE,
  SUBSCRIPTIONS_PAGE_MAX,
  TAG_MAX,
  UNSUPPORTED_AUTHENTICATION,
} from './facts';
import { sendProblem } from './respond';
import type { TwitterWorld } from './state';

type Handler = (
  req: Request,
  res: Response,
  ctx: { query: URLSearchParams; body: string },
) => void | Promise<void>;
type Route = (
  endpoint: string,
  handler: Handler,
) => (req: Request, res: Response, next: NextFunction) => void;

const ID = /^[0-9]{1,19}$/;
const KNOWN_EVENT_TYPES = new Set<string>([...PUBLIC_EVENT_TYPES, ...PRIVATE_EVENT_TYPES, REVOKE_EVENT_TYPE]);

/** 400 Invalid Request naming the reason X documents (the exact body of these failures is not documented). */
function sendRefusal(res: Response, reason: string, detail: string, status = 400): void {
  res.status(status).json({
    errors: [{ message: reason, detail }],
    title: status === 404 ? 'Not Found Error' : 'Invalid Request',
    detail: `${reason}: ${detail}`,
    type:
      status === 404
        ? 'https://api.twitter.com/2/problems/resource-not-found'
        : 'https://api.twitter.com/2/problems/invalid-request',
  });
}

function basic(req: Request): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, sep)),
      secret: decodeURIComponent(decoded.slice(sep + 1)),
    };
  } catch {
    return undefined;
  }
}

function jsonBody(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type Caller = { kind: 'app' } | { kind: 'user'; accountId: string; scopes: string[] };

export function mountDeliveryRoutes(app: Express, world: TwitterWorld, route: Route): void {
  const delivery = world.delivery;

  /** The caller behind the bearer token, or the 401/403 X answers; `userAllowed` for user-context endpoints. */
  function caller(req: Request, res: Response, userAllowed: boolean): Caller | undefined {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token && delivery.isAppToken(token)) return { kind: 'app' };
    const { grant } = token ? world.grants.authenticate(token) : {};
    if (!grant) {
      sendProblem(res, 401);
      return undefined;
    }
    if (!userAllowed) {
      res.status(403).setHeader('content-type', 'application/problem+json');
      res.end(JSON.stringify(UNSUPPORTED_AUTHENTICATION));
      return undefined;
    }
    res.locals.user = grant.accountId;
    return { kind: 'user', accountId: grant.accountId, scopes: grant.scopes };
  }

  function refused(res: Response, err: unknown): void {
    if (err instanceof DeliveryRefusal) return sendRefusal(res, err.reason, err.message, err.status);
    throw err;
  }

  app.post(
    '/oauth2/token',
    route('POST /oauth2/token', (req, res, { body }) => {
      const client = basic(req);
      const { consumerKey, consumerSecret } = world.credentials;
      const form = new URLSearchParams(body);
      const formType = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (
        client?.id !== consumerKey ||
        client.secret !== consumerSecret ||
        !formType ||
        form.get('grant_type') !== 'client_credentials'
      ) {
        res.status(403).json(APP_TOKEN_ERROR);
        return;
      }
      res.json({ token_type: 'bearer', access_token: delivery.issueAppToken() });
    }),
  );

  // ── V2 Webhooks API ────────────────────────────────────────────────────────────────────────────────────

  app.get(
    '/2/webhooks',
    route('GET /2/webhooks', (req, res) => {
      if (!caller(req, res, false)) return;
      const data = [...delivery.webhooks.values()];
      res.json({ data, meta: { result_count: data.length } });
    }),
  );

  app.post(
    '/2/webhooks',
    route('POST /2/webhooks', async (req, res, { body }) => {
      if (!caller(req, res, false)) return;
      const url = jsonBody(body)?.url;
      if (typeof url !== 'string' || url.length === 0) {
        return sendRefusal(res, 'UrlValidationFailed', 'the request body needs a url');
      }
      try {
        res.json({ data: await delivery.createWebhook(url) });
      } catch (err) {
        refused(res, err);
      }
    }),
  );

  app.put(
    '/2/webhooks/:webhook_id',
    route('PUT /2/webhooks/:webhook_id', async (req, res) => {
      if (!caller(req, res, false)) return;
      try {
        res.json({ data: { valid: await delivery.validateWebhook(String(req.params.webhook_id)) } });
      } catch (err) {
        refused(res, err);
      }
    }),
  );

  app.delete(
    '/2/webhooks/:webhook_id',
    route('DELETE /2/webhooks/:webhook_id', (req, res) => {
      if (!caller(req, res, false)) return;
      try {
        delivery.deleteWebhook(String(req.params.webhook_id));
        res.json({ data: { deleted: true } });
      } catch (err) {
        refused(res, err);
      }
    }),
  );

  // ── X Activity API subscriptions ───────────────────────────────────────────────────────────────────────

  app.get(
    '/2/activity/subscriptions',
    route('GET /2/activity/subscriptions', (req, res, { query }) => {
      if (!caller(req, res, true)) return;
      const max = query.get('max_results') === null ? 100 : Number(query.get('max_results'));
      if (!Number.isInteger(max) || max < 1 || max > SUBSCRIPTIONS_PAGE_MAX) {
        return sendRefusal(
          res,
          'InvalidRequest',
          `max_results must be between 1 and ${SUBSCRIPTIONS_PAGE_MAX}`,
        );
      }
      const all = delivery.listSubscriptions();
      const token = query.get('pagination_token');
      // Pagination tokens are base32hex of the first id of the next page (X: "a base32hex-encoded token").
      const from =
        token === null
          ? 0
          : all.findIndex((s) => BigInt(s.subscription_id).toString(32).padStart(16, '0') === token);
      if (from < 0) return sendRefusal(res, 'InvalidRequest', 'pagination_token is not valid');
      const page = all.slice(from, from + max);
      const next = all[from + max];
      res.json({
        ...(page.length > 0 ? { data: page } : {}),
        meta: {
          total_subscriptions: all.length,
          ...(next ? { next_token: BigInt(next.subscription_id).toString(32).padStart(16, '0') } : {}),
        },
      });
    }),
  );

  app.post(
    '/2/activity/subscriptions',
    route('POST /2/activity/subscriptions', (req, res, { body }) => {
      const who = caller(req, res, true);
      if (!who) return;
      const json = jsonBody(body);
      const problems: string[] = [];
      if (!json) problems.push('the request body must be a JSON object');
      const { event_type: eventType, filter, tag, webhook_id: webhookId, ...extra } = json ?? {};
      for (const key of Object.keys(extra)) problems.push(`unknown field ${key}`);
      if (typeof eventType !== 'string' || !KNOWN_EVENT_TYPES.has(eventType))
        problems.push('event_type is not a supported event type');
      const filterObj =
        filter && typeof filter === 'object' && !Array.isArray(filter)
          ? (filter as Record<string, unknown>)
          : undefined;
      if (!filterObj) problems.push('filter is required');
      const userId = filterObj?.user_id;
      for (const key of Object.keys(filterObj ?? {}))
        if (!['user_id', 'keyword', 'direction'].includes(key)) problems.push(`unknown filter field ${key}`);
      if (eventType === REVOKE_EVENT_TYPE) {
        if (filterObj && Object.keys(filterObj).length > 0) problems.push('oauth.revoke takes no filter');
      } else if (typeof userId !== 'string' || !ID.test(userId)) {
        problems.push('filter.user_id must be a numeric user id');
      }
      if (tag !== undefined && (typeof tag !== 'string' || tag.length < 1 || tag.length > TAG_MAX))
        problems.push(`tag must be 1..${TAG_MAX} characters`);
      if (webhookId !== undefined && (typeof webhookId !== 'string' || !ID.test(webhookId)))
        problems.push('webhook_id must match ^[0-9]{1,19}$');
      if (problems.length > 0) return sendRefusal(res, 'InvalidRequest', problems.join('; '));

      // Private events need the user's own consent (their OAuth 2.0 token with tweet.read); public ones do not.
      const isPrivate = (PRIVATE_EVENT_TYPES as readonly string[]).includes(eventType as string);
      if (isPrivate && (who.kind === 'app' || who.accountId !== userId)) {
        res.status(403).setHeader('content-type', 'application/problem+json');
        res.end(
          JSON.stringify({
            title: 'Forbidden',
            type: 'about:blank',
            status: 403,
            detail: `${String(eventType)} is a private event: subscribe with the user's OAuth 2.0 token`,
          }),
        );
        return;
      }
      if (who.kind === 'user' && !who.scopes.includes('tweet.read')) return sendProblem(res, 403);
      try {
        const created = delivery.createSubscription({
          event_type: eventType as string,
          filter: typeof userId === 'string' ? { user_id: userId } : {},
          ...(typeof tag === 'string' ? { tag } : {}),
          ...(typeof webhookId === 'string' ? { webhook_id: webhookId } : {}),
        });
        res.json({
          data: { subscription: created },
          meta: { total_subscriptions: delivery.subscriptions.size },
        });
      } catch (err) {
        refused(res, err);
      }
    }),
  );

  app.delete(
    '/2/activity/subscriptions/:subscription_id',
    route('DELETE /2/activity/subscriptions/:subscription_id', (req, res) => {
      if (!caller(req, res, false)) return;
      try {
        delivery.deleteSubscription(String(req.params.subscription_id));
        res.json({ data: { deleted: true }, meta: { total_subscriptions: delivery.subscriptions.size } });
      } catch (err) {
        refused(res, err);
      }
    }),
  );
}
