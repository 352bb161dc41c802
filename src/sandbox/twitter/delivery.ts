/**
 * The sandbox app's real-time delivery state, as X keeps it: its app-only bearer token, registered webhooks (V2
 * Webhooks API, each checked with a CRC request on registration and on PUT), and X Activity API subscriptions.
 * An event is delivered once per matching subscription whose webhook is registered and valid: a user nobody
 * subscribed gets no delivery at all. Nothing here knows about HTTP routes (delivery-routes.ts).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import type { WebhookDelivery, WebhookOutbox } from '../core/webhooks';
import { deliveryBody, runCrc, signedHeaders, type ActivityEvent } from './activity';
import { REVOKE_EVENT_TYPE, WEBHOOK_URL_MAX, type WebhookFailure } from './facts';

export interface SandboxWebhook {
  id: string;
  url: string;
  valid: boolean;
  created_at: string;
}

export interface SandboxSubscription {
  subscription_id: string;
  event_type: string;
  filter: Record<string, string>;
  tag?: string;
  webhook_id?: string;
  created_at: string;
  updated_at: string;
}

/** A refusal in X's terms: the documented failure reason and the HTTP status. */
export class DeliveryRefusal extends Error {
  constructor(
    readonly reason: WebhookFailure | 'SubscriptionIdInvalid',
    readonly status: 400 | 404,
    detail: string,
  ) {
    super(detail);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class DeliveryState {
  readonly webhooks = new Map<string, SandboxWebhook>();
  readonly subscriptions = new Map<string, SandboxSubscription>();
  private appToken?: string;
  private nextId: bigint;

  constructor(
    private readonly clock: SandboxClock,
    private readonly outbox: WebhookOutbox,
    private readonly consumerSecret: () => string,
    seed: number,
  ) {
    // Snowflake-sized ids, distinct per seed.
    this.nextId = 1_900_000_000_000_000_000n + BigInt(seed) * 1_000_000n;
  }

  private newId(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  /** `POST /oauth2/token`: the app's one bearer token, the same on every call until invalidated. */
  issueAppToken(): string {
    this.appToken ??= 'AAAAAAAAAAAAAAAAAAAAA' + randomBytes(60).toString('base64url');
    return this.appToken;
  }

  isAppToken(token: string): boolean {
    return this.appToken !== undefined && token === this.appToken;
  }

  /** Invalidates the app token (as `POST /oauth2/invalidate_token` does): the next request needs a new one. */
  invalidateAppToken(): void {
    this.appToken = undefined;
  }

  /**
   * X's URL rules: HTTPS, no port, ≤ 200 characters. A sandbox runs on loopback without TLS, so loopback URLs may
   * be plain HTTP with a port (the only deviation; any other host is held to X's rules).
   */
  private checkUrl(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DeliveryRefusal('UrlValidationFailed', 400, 'url is not a valid URL');
    }
    if (url.length > WEBHOOK_URL_MAX)
      throw new DeliveryRefusal(
        'UrlValidationFailed',
        400,
        `url is longer than ${WEBHOOK_URL_MAX} characters`,
      );
    if (LOOPBACK.has(parsed.hostname)) {
      if (!/^https?:$/.test(parsed.protocol))
        throw new DeliveryRefusal('UrlValidationFailed', 400, 'url must be https');
      return;
    }
    if (parsed.protocol !== 'https:')
      throw new DeliveryRefusal('UrlValidationFailed', 400, 'url must be https');
    if (parsed.port !== '') throw new DeliveryRefusal('UrlValidationFailed', 400, 'url must not name a port');
  }

  /** `POST /2/webhooks`: validated, then registered only if X's CRC check against it passes. */
  async createWebhook(url: string): Promise<SandboxWebhook> {
    this.checkUrl(url);
    if ([...this.webhooks.values()].some((w) => w.url === url)) {
      throw new DeliveryRefusal('DuplicateUrlFailed', 400, 'a webhook is already registered for this url');
    }
    const crc = await runCrc(url, this.consumerSecret(), this.clock.now());
    if (!crc.ok) throw new DeliveryRefusal('CrcValidationFailed', 400, crc.reason ?? 'CRC check failed');
    const webhook: SandboxWebhook = {
      id: this.newId(),
      url,
      valid: true,
      created_at: new Date(this.clock.now()).toISOString(),
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  private webhook(id: string): SandboxWebhook {
    const webhook = this.webhooks.get(id);
    if (!webhook)
      throw new DeliveryRefusal('WebhookIdInvalid', 400, 'webhook_id is not a webhook of this app');
    return webhook;
  }

  /** `PUT /2/webhooks/:id`: a new CRC check; its outcome is the webhook's validity. */
  async validateWebhook(id: string): Promise<boolean> {
    const webhook = this.webhook(id);
    const crc = await runCrc(webhook.url, this.consumerSecret(), this.clock.now());
    webhook.valid = crc.ok;
    if (!crc.ok) throw new DeliveryRefusal('CrcValidationFailed', 400, crc.reason ?? 'CRC check failed');
    return true;
  }

  /** X's periodic CRC check failed (e.g. the service was down): the webhook stops receiving events. */
  invalidateWebhook(id: string): void {
    this.webhook(id).valid = false;
  }

  deleteWebhook(id: string): void {
    this.webhook(id);
    this.webhooks.delete(id);
  }

  createSubscription(req: {
    event_type: string;
    filter: Record<string, string>;
    tag?: string;
    webhook_id?: string;
  }): SandboxSubscription {
    if (req.webhook_id !== undefined) this.webhook(req.webhook_id);
    const at = new Date(this.clock.now()).toISOString();
    const sub: SandboxSubscription = {
      subscription_id: this.newId(),
      event_type: req.event_type,
      filter: { ...req.filter },
      ...(req.tag === undefined ? {} : { tag: req.tag }),
      ...(req.webhook_id === undefined ? {} : { webhook_id: req.webhook_id }),
      created_at: at,
      updated_at: at,
    };
    this.subscriptions.set(sub.subscription_id, sub);
    return sub;
  }

  deleteSubscription(id: string): void {
    if (!this.subscriptions.delete(id))
      throw new DeliveryRefusal(
        'SubscriptionIdInvalid',
        404,
        'subscription_id is not a subscription of this app',
      );
  }

  /** Subscriptions ordered by id (creation order), for paging. */
  listSubscriptions(): SandboxSubscription[] {
    return [...this.subscriptions.values()].sort((a, b) =>
      BigInt(a.subscription_id) < BigInt(b.subscription_id) ? -1 : 1,
    );
  }

  /** Delivers `event` once per matching subscription with a valid webhook; nothing for anyone else. */
  async emit(event: ActivityEvent): Promise<WebhookDelivery[]> {
    const secret = this.consumerSecret();
    const sent: Promise<WebhookDelivery>[] = [];
    for (const sub of this.listSubscriptions()) {
      if (sub.event_type !== event.event_type) continue;
      const matches =
        event.event_type === REVOKE_EVENT_TYPE
          ? true
          : sub.filter.user_id !== undefined && sub.filter.user_id === event.userId;
      if (!matches || sub.webhook_id === undefined) continue;
      const webhook = this.webhooks.get(sub.webhook_id);
      if (!webhook?.valid) continue;
      const body = deliveryBody(event, sub, this.newId());
      sent.push(this.outbox.deliver(webhook.url, body, signedHeaders(secret, body)));
    }
    return Promise.all(sent);
  }
}
