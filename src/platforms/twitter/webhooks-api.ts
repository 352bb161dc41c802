/**
 * The app-level X endpoints behind real-time delivery, all called with the app-only bearer token:
 * `POST /oauth2/token` (client_credentials, Basic consumer key:secret), the V2 Webhooks API (`/2/webhooks`) and the
 * X Activity API subscriptions (`/2/activity/subscriptions`). Every answer is validated with zod and every failure
 * classified here. Sources: https://docs.x.com/fundamentals/authentication/oauth-2-0/application-only,
 * https://docs.x.com/x-api/webhooks/quickstart, https://docs.x.com/x-api/activity/quickstart.
 */
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { PlatformError, type PlatformErrorKind } from '../errors';
import {
  AppTokenResponse,
  SubscriptionCreateResponse,
  SubscriptionDeleteResponse,
  SubscriptionListResponse,
  WebhookCreateResponse,
  WebhookErrorBody,
  WebhookListResponse,
  WebhookValidateResponse,
  createdSubscription,
  type ActivitySubscription,
  type WebhookConfig,
} from './activity-schemas';

export const APP_ENDPOINTS = {
  appToken: 'POST /oauth2/token',
  listWebhooks: 'GET /2/webhooks',
  createWebhook: 'POST /2/webhooks',
  validateWebhook: 'PUT /2/webhooks/:webhook_id',
  deleteWebhook: 'DELETE /2/webhooks/:webhook_id',
  listSubscriptions: 'GET /2/activity/subscriptions',
  createSubscription: 'POST /2/activity/subscriptions',
  deleteSubscription: 'DELETE /2/activity/subscriptions/:subscription_id',
} as const;

/** The largest page `GET /2/activity/subscriptions` serves (`max_results` 1..1000). */
const SUBSCRIPTIONS_PAGE = 1000;

export interface TwitterAppApiOptions {
  apiUrl: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs: number;
  logger: Logger;
  now: () => number;
}

export interface NewSubscription {
  event_type: string;
  filter: { user_id?: string };
  webhook_id?: string;
  tag?: string;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The failure reason X names in a webhook endpoint's error body (`DuplicateUrlFailed`…), if any. */
export function webhookFailureReason(body: unknown): string | undefined {
  const parsed = WebhookErrorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const texts = [
    ...(parsed.data.errors ?? []).flatMap((e) => [e.message, e.detail, e.title]),
    parsed.data.detail,
    parsed.data.title,
  ];
  for (const text of texts) {
    const match = text?.match(/\b([A-Z][A-Za-z]+(?:Failed|Exceeded|Invalid))\b/);
    if (match) return match[1];
  }
  return undefined;
}

/** RFC 1738 encoding of the consumer key and secret before they are joined, as X's guide asks. */
function basicCredentials(key: string, secret: string): string {
  return (
    'Basic ' + Buffer.from(`${encodeURIComponent(key)}:${encodeURIComponent(secret)}`).toString('base64')
  );
}

export class TwitterAppApi {
  private bearer?: Promise<string>;
  private readonly base: string;

  constructor(private readonly opts: TwitterAppApiOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  private fail(
    kind: PlatformErrorKind,
    endpoint: string,
    message: string,
    extra: object = {},
  ): PlatformError {
    return new PlatformError(kind, message, { platform: 'twitter', endpoint, ...extra });
  }

  private async send(opts: {
    endpoint: string;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    path: string;
    headers: Record<string, string>;
    body?: string;
  }): Promise<Answer> {
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(`${this.base}${opts.path}`, {
        method: opts.method,
        headers: { accept: 'application/json', 'user-agent': 'socialsync/0.1', ...opts.headers },
        body: opts.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      this.opts.logger.warn({ endpoint: opts.endpoint, error: name }, 'x app call failed');
      // Timeouts, resets and refused connections are all worth a retry; the cause is not kept (it may hold headers).
      throw this.fail('transient', opts.endpoint, `${name}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    // Endpoint, status and timing only: bodies and headers may carry the bearer token.
    this.opts.logger.debug(
      { endpoint: opts.endpoint, status: res.status, ms: Date.now() - started },
      'x app call',
    );
    return { status: res.status, body, headers: res.headers };
  }

  private classify(endpoint: string, answer: Answer): PlatformError {
    const { status, body, headers } = answer;
    const reason = webhookFailureReason(body);
    const message = `HTTP ${status}${reason ? `: ${reason}` : ''}`;
    const details = { status, ...(reason ? { platformCode: reason } : {}) };
    if (status === 429) {
      const reset = Number(headers.get('x-rate-limit-reset'));
      const now = this.opts.now();
      const retryAt = Number.isFinite(reset) && reset > 0 ? Math.max(now, reset * 1000) : now + 15 * 60_000;
      return this.fail('rate_limited', endpoint, message, { ...details, retryAt });
    }
    if (status >= 500 || status === 408) return this.fail('transient', endpoint, message, details);
    // Everything else (bad consumer key/secret, wrong auth type, CRC failure, unknown id) is the app's setup or a
    // request that will fail again the same way: no retry, a clear message.
    return this.fail('permanent', endpoint, message, details);
  }

  private parse<S extends z.ZodType>(endpoint: string, schema: S, body: unknown): z.infer<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.fail(
        'permanent',
        endpoint,
        `unexpected response shape at "${issue?.path.join('.') || '(root)'}": ${issue?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }

  /** The app-only bearer token, fetched once and shared (X returns the same token until it is invalidated). */
  appToken(): Promise<string> {
    this.bearer ??= this.fetchAppToken().catch((err: unknown) => {
      this.bearer = undefined;
      throw err;
    });
    return this.bearer;
  }

  private async fetchAppToken(): Promise<string> {
    const endpoint = APP_ENDPOINTS.appToken;
    const answer = await this.send({
      endpoint,
      method: 'POST',
      path: '/oauth2/token',
      headers: {
        authorization: basicCredentials(this.opts.consumerKey, this.opts.consumerSecret),
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
      body: 'grant_type=client_credentials',
    });
    if (answer.status !== 200) {
      if (answer.status === 403 || answer.status === 401) {
        throw this.fail(
          'permanent',
          endpoint,
          `HTTP ${answer.status}: X refused TWITTER_CONSUMER_KEY/TWITTER_CONSUMER_SECRET (the app's API key and secret)`,
          { status: answer.status },
        );
      }
      throw this.classify(endpoint, answer);
    }
    return this.parse(endpoint, AppTokenResponse, answer.body).access_token;
  }

  /** One call with the app bearer; a 401 (token invalidated meanwhile) fetches a new token and retries once. */
  private async call<S extends z.ZodType>(opts: {
    endpoint: string;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    path: string;
    json?: unknown;
    schema: S;
    /** Statuses answered by the caller instead of thrown (e.g. 404 on a delete). */
    accept?: (answer: Answer) => z.infer<S> | undefined;
  }): Promise<z.infer<S>> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.appToken();
      const answer = await this.send({
        endpoint: opts.endpoint,
        method: opts.method,
        path: opts.path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(opts.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
      });
      if (answer.status >= 200 && answer.status < 300)
        return this.parse(opts.endpoint, opts.schema, answer.body);
      if (answer.status === 401 && attempt === 0) {
        this.bearer = undefined;
        continue;
      }
      const accepted = opts.accept?.(answer);
      if (accepted !== undefined) return accepted;
      throw this.classify(opts.endpoint, answer);
    }
  }

  async listWebhooks(): Promise<WebhookConfig[]> {
    const body = await this.call({
      endpoint: APP_ENDPOINTS.listWebhooks,
      method: 'GET',
      path: '/2/webhooks',
      schema: WebhookListResponse,
    });
    return body.data ?? [];
  }

  /** Registers `url`; X runs its CRC check against the URL before it answers. */
  async createWebhook(url: string): Promise<WebhookConfig> {
    const body = await this.call({
      endpoint: APP_ENDPOINTS.createWebhook,
      method: 'POST',
      path: '/2/webhooks',
      json: { url },
      schema: WebhookCreateResponse,
    });
    return body.data;
  }

  /** Re-runs the CRC check of a webhook X marked invalid; resolves whether it is valid again. */
  async validateWebhook(webhookId: string): Promise<boolean> {
    const body = await this.call({
      endpoint: APP_ENDPOINTS.validateWebhook,
      method: 'PUT',
      path: `/2/webhooks/${encodeURIComponent(webhookId)}`,
      schema: WebhookValidateResponse,
    });
    return body.data.valid;
  }

  /** Every subscription of the app, all pages. */
  async listSubscriptions(): Promise<ActivitySubscription[]> {
    const out: ActivitySubscription[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ max_results: String(SUBSCRIPTIONS_PAGE) });
      if (token) query.set('pagination_token', token);
      const body = await this.call({
        endpoint: APP_ENDPOINTS.listSubscriptions,
        method: 'GET',
        path: `/2/activity/subscriptions?${query.toString()}`,
        schema: SubscriptionListResponse,
      });
      out.push(...(body.data ?? []));
      token = body.meta?.next_token;
    } while (token);
    return out;
  }

  async createSubscription(req: NewSubscription): Promise<ActivitySubscription> {
    const body = await this.call({
      endpoint: APP_ENDPOINTS.createSubscription,
      method: 'POST',
      path: '/2/activity/subscriptions',
      json: req,
      schema: SubscriptionCreateResponse,
    });
    return createdSubscription(body);
  }

  /** Deletes a subscription; one that is already gone counts as deleted. */
  async deleteSubscription(subscriptionId: string): Promise<void> {
    await this.call({
      endpoint: APP_ENDPOINTS.deleteSubscription,
      method: 'DELETE',
      path: `/2/activity/subscriptions/${encodeURIComponent(subscriptionId)}`,
      schema: SubscriptionDeleteResponse,
      accept: (answer) => (answer.status === 404 ? { data: { deleted: true } } : undefined),
    });
  }
}
