/**
 * Real-time delivery setup at X, both steps idempotent:
 * 1. `registerTwitterWebhook` — the app's webhook URL `{PUBLIC_BASE_URL}/webhooks/twitter` in the V2 Webhooks API
 *    (an existing registration of the same URL is reused, an invalid one re-validated), plus one app-wide
 *    `oauth.revoke` subscription. Run it once at service start and from the CLI; X checks the URL with a CRC
 *    request before it answers, so the service must already be listening.
 * 2. `TwitterSubscriptions` — per connected user, X Activity API subscriptions `post.create` and `post.delete`
 *    filtered by the user's id (public events: the app-only bearer token may create them), deleted on disconnect.
 * Why the X Activity API and not the Account Activity API: docs/twitter.md.
 */
import type { Logger } from '../../shared/logger';
import { PlatformError, isPlatformError } from '../errors';
import type { TokenSet, WebhookSubscriptions } from '../types';
import { X_ID, type ActivitySubscription, type WebhookConfig } from './activity-schemas';
import { POST_EVENT_TYPES, REVOKE_EVENT_TYPE } from './webhook';
import { APP_ENDPOINTS, type TwitterAppApi } from './webhooks-api';

/** Tag on every subscription socialsync creates, so it only ever deletes its own. */
export const SUBSCRIPTION_TAG = 'socialsync';

export interface TwitterWebhookRegistration {
  webhookId: string;
  url: string;
  /** What this call did: `created`, `reused` (already registered and valid) or `revalidated`. */
  action: 'created' | 'reused' | 'revalidated';
  /** Whether an app-wide `oauth.revoke` subscription exists (X may refuse it: revokes are then found by syncs). */
  revokeSubscribed: boolean;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

async function findWebhook(api: TwitterAppApi, url: string): Promise<WebhookConfig | undefined> {
  return (await api.listWebhooks()).find((w) => sameUrl(w.url, url));
}

/** The webhook of `url`, registering or re-validating it as needed. Never creates a second one for one URL. */
async function ensureWebhookConfig(
  api: TwitterAppApi,
  url: string,
): Promise<{ webhook: WebhookConfig; action: TwitterWebhookRegistration['action'] }> {
  const existing = await findWebhook(api, url);
  if (existing?.valid) return { webhook: existing, action: 'reused' };
  if (existing) {
    // X stops delivering to a webhook that failed its CRC checks until a PUT passes one again.
    if (!(await api.validateWebhook(existing.id))) {
      throw new PlatformError(
        'permanent',
        `X marked ${url} invalid and its CRC check still fails: is the service reachable there with TWITTER_CONSUMER_SECRET set?`,
        { platform: 'twitter', endpoint: APP_ENDPOINTS.validateWebhook },
      );
    }
    return { webhook: { ...existing, valid: true }, action: 'revalidated' };
  }
  try {
    return { webhook: await api.createWebhook(url), action: 'created' };
  } catch (err) {
    // Another process registered the same URL between our list and create: use theirs.
    if (isPlatformError(err) && err.platformCode === 'DuplicateUrlFailed') {
      const raced = await findWebhook(api, url);
      if (raced) return { webhook: raced, action: 'reused' };
    }
    if (isPlatformError(err) && err.platformCode === 'CrcValidationFailed') {
      throw new PlatformError(
        'permanent',
        `X could not verify ${url} (CRC check failed): the service must be reachable there and answer with TWITTER_CONSUMER_SECRET`,
        {
          platform: 'twitter',
          endpoint: APP_ENDPOINTS.createWebhook,
          status: err.status,
          platformCode: err.platformCode,
        },
      );
    }
    throw err;
  }
}

function isOurs(sub: ActivitySubscription, eventTypes: readonly string[]): boolean {
  return sub.tag === SUBSCRIPTION_TAG && eventTypes.includes(sub.event_type);
}

/** The app-wide revoke subscription (no filter), created once; false when X refuses that event type. */
async function ensureRevokeSubscription(
  api: TwitterAppApi,
  webhookId: string,
  logger: Logger,
): Promise<boolean> {
  const subs = await api.listSubscriptions();
  if (subs.some((s) => isOurs(s, [REVOKE_EVENT_TYPE]) && s.webhook_id === webhookId)) return true;
  try {
    await api.createSubscription({
      event_type: REVOKE_EVENT_TYPE,
      filter: {},
      webhook_id: webhookId,
      tag: SUBSCRIPTION_TAG,
    });
    return true;
  } catch (err) {
    if (isPlatformError(err, 'permanent')) {
      // The event is listed in X's documentation but absent from its OpenAPI enum: without it, a revoked grant is
      // still found by the next sync (401, then a refused refresh → needs_reauth).
      logger.warn(
        { status: err.status },
        'X refused the oauth.revoke subscription; revocations surface at the next sync',
      );
      return false;
    }
    throw err;
  }
}

export interface RegisterTwitterWebhookOptions {
  api: TwitterAppApi;
  /** `{PUBLIC_BASE_URL}/webhooks/twitter`. */
  url: string;
  logger: Logger;
}

/** Step 1 (idempotent): register or reuse the webhook of `url` and the app-wide revoke subscription. */
export async function registerTwitterWebhook(
  opts: RegisterTwitterWebhookOptions,
): Promise<TwitterWebhookRegistration> {
  const { webhook, action } = await ensureWebhookConfig(opts.api, opts.url);
  const revokeSubscribed = await ensureRevokeSubscription(opts.api, webhook.id, opts.logger);
  opts.logger.info({ webhookId: webhook.id, action, revokeSubscribed }, 'X webhook registered');
  return { webhookId: webhook.id, url: webhook.url, action, revokeSubscribed };
}

export interface TwitterSubscriptionsOptions {
  api: TwitterAppApi;
  url: string;
  logger: Logger;
}

/** Step 2: per-user subscriptions (the `PlatformConnector.subscriptions` port). */
export class TwitterSubscriptions implements WebhookSubscriptions {
  private registration?: Promise<TwitterWebhookRegistration>;

  constructor(private readonly opts: TwitterSubscriptionsOptions) {}

  /** Step 1, once per process (a failure is retried by the next caller). */
  register(): Promise<TwitterWebhookRegistration> {
    this.registration ??= registerTwitterWebhook(this.opts).catch((err: unknown) => {
      this.registration = undefined;
      throw err;
    });
    return this.registration;
  }

  private userId(tokens: TokenSet, endpoint: string): string {
    // The id becomes a subscription filter: only X's numeric ids are sent.
    if (!X_ID.test(tokens.accountId)) {
      throw new PlatformError('permanent', 'account id is not a numeric X user id', {
        platform: 'twitter',
        endpoint,
      });
    }
    return tokens.accountId;
  }

  /** Subscribes the user to post.create and post.delete on our webhook; existing ones are kept, none doubled. */
  async subscribe(tokens: TokenSet): Promise<void> {
    const userId = this.userId(tokens, APP_ENDPOINTS.createSubscription);
    const { webhookId } = await this.register();
    const existing = (await this.opts.api.listSubscriptions()).filter(
      (s) => isOurs(s, POST_EVENT_TYPES) && s.filter?.user_id === userId && s.webhook_id === webhookId,
    );
    for (const eventType of POST_EVENT_TYPES) {
      if (existing.some((s) => s.event_type === eventType)) continue;
      await this.opts.api.createSubscription({
        event_type: eventType,
        filter: { user_id: userId },
        webhook_id: webhookId,
        tag: SUBSCRIPTION_TAG,
      });
    }
    this.opts.logger.info({ created: POST_EVENT_TYPES.length - existing.length }, 'X user subscribed');
  }

  /** Deletes every post subscription socialsync made for the user (whatever webhook); none is fine. */
  async unsubscribe(tokens: TokenSet): Promise<void> {
    const userId = this.userId(tokens, APP_ENDPOINTS.deleteSubscription);
    const ours = (await this.opts.api.listSubscriptions()).filter(
      (s) => isOurs(s, POST_EVENT_TYPES) && s.filter?.user_id === userId,
    );
    for (const sub of ours) await this.opts.api.deleteSubscription(sub.subscription_id);
    this.opts.logger.info({ deleted: ours.length }, 'X user unsubscribed');
  }
}
