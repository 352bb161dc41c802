/**
 * The app-level X endpoints behind real-time delivery, all called with the app-only bearer token:
 * `POST /oauth2/token` (client_credentials, Basic consumer key:secret), the V2 Webhooks API (`/2/webhooks`) and the
 * X Activity API subscriptions (`/2/activity/subscriptions`). Every answer is validated with zod and every failure
 * classified here. Sources: https://docs.x.com/fundamentals/authentication/oauth-2-0/application-only,
 * https://docs.x.com/x-api/webhooks/quickstart, https://docs.x.com/x-api/activity/quickstart.
 */
import type { z } from 'zod';
import type { Logger } from '../../shared/logger';
import { isPlatformError } from '../errors';
import {
  createConnectorHttp,
  joinUrl,
  type ConnectorHttp,
  type HttpMethod,
  type RetryOptions,
} from '../http';
import {
  AppTokenResponse,
  SubscriptionCreateResponse,
  SubscriptionDeleteResponse,
  SubscriptionListResponse,
  WebhookCreateResponse,
  WebhookListResponse,
  WebhookValidateResponse,
  createdSubscription,
  type ActivitySubscription,
  type WebhookConfig,
} from './activity-schemas';
import { classifyAppAnswer, classifyAppTokenAnswer } from './errors';

export { webhookFailureReason } from './errors';

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
  retry?: RetryOptions;
}

export interface NewSubscription {
  event_type: string;
  filter: { user_id?: string };
  webhook_id?: string;
  tag?: string;
}

/** RFC 1738 encoding of the consumer key and secret before they are joined, as X's guide asks. */
function basicCredentials(key: string, secret: string): string {
  return (
    'Basic ' + Buffer.from(`${encodeURIComponent(key)}:${encodeURIComponent(secret)}`).toString('base64')
  );
}

export class TwitterAppApi {
  private bearer?: Promise<string>;
  private readonly http: ConnectorHttp;

  constructor(private readonly opts: TwitterAppApiOptions) {
    // The connector HTTP kit with X's app-level rules (errors.ts); these calls are not charged to a user's budget.
    this.http = createConnectorHttp({
      platform: 'twitter',
      classify: classifyAppAnswer,
      timeoutMs: opts.timeoutMs,
      logger: opts.logger,
      now: opts.now,
      retry: opts.retry,
    });
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
    const answer = await this.http.request({
      method: 'POST',
      url: joinUrl(this.opts.apiUrl, '/oauth2/token'),
      endpoint: APP_ENDPOINTS.appToken,
      headers: {
        authorization: basicCredentials(this.opts.consumerKey, this.opts.consumerSecret),
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
      form: { grant_type: 'client_credentials' },
      schema: AppTokenResponse,
      classify: classifyAppTokenAnswer,
    });
    return answer.access_token;
  }

  /**
   * One call with the app bearer; a 401 (token invalidated meanwhile) fetches a new token and retries once. Reads
   * are idempotent: the kit retries their transient failures.
   */
  private async call<S extends z.ZodType>(opts: {
    endpoint: string;
    method: HttpMethod;
    path: string;
    params?: Record<string, string | undefined>;
    json?: unknown;
    schema: S;
    /** Statuses answered by the caller instead of thrown (e.g. 404 on a delete). */
    accept?: (status: number) => z.output<S> | undefined;
  }): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.appToken();
      try {
        return await this.http.request({
          method: opts.method,
          url: joinUrl(this.opts.apiUrl, opts.path),
          endpoint: opts.endpoint,
          params: opts.params,
          headers: { authorization: `Bearer ${token}` },
          json: opts.json,
          schema: opts.schema,
          idempotent: opts.method === 'GET',
        });
      } catch (err) {
        if (!isPlatformError(err) || err.status === undefined) throw err;
        if (err.status === 401 && attempt === 0) {
          this.bearer = undefined;
          continue;
        }
        const accepted = opts.accept?.(err.status);
        if (accepted !== undefined) return accepted;
        throw err;
      }
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
      const body = await this.call({
        endpoint: APP_ENDPOINTS.listSubscriptions,
        method: 'GET',
        path: '/2/activity/subscriptions',
        params: { max_results: String(SUBSCRIPTIONS_PAGE), pagination_token: token },
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
      accept: (status) => (status === 404 ? { data: { deleted: true } } : undefined),
    });
  }
}
