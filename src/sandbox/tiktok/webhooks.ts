/** Outgoing TikTok webhooks, signed like TikTok: `TikTok-Signature: t=<unix>,s=<hex HMAC-SHA256(secret, t.body)>`. */
import { createHmac } from 'node:crypto';
import type { WebhookDelivery } from '../core/webhooks';
import type { TikTokContext } from './context';
import { SIGNATURE_HEADER, type WebhookEventName } from './facts';

export type TikTokWebhookEvent = WebhookEventName;

export interface SendWebhookRequest {
  accountId: string;
  event: TikTokWebhookEvent | string;
  /** The event's `content` object; serialized into a JSON string as TikTok does. */
  content?: Record<string, unknown>;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export async function sendWebhook(ctx: TikTokContext, req: SendWebhookRequest): Promise<WebhookDelivery[]> {
  const body = JSON.stringify({
    client_key: ctx.credentials.clientId,
    event: req.event,
    create_time: ctx.clock.nowSeconds(),
    user_openid: req.accountId,
    content: JSON.stringify(req.content ?? {}),
  });
  // The signature time is wall-clock time of delivery (like TikTok signing as it sends), not the simulated
  // clock: a receiver checks it against its own clock, and the sandbox clock may be days ahead.
  // Re-signed on every attempt, so a redelivery carries a fresh timestamp like TikTok's retries.
  return ctx.outbox.send(body, () => {
    const t = Math.floor(Date.now() / 1000);
    return { [SIGNATURE_HEADER]: `t=${t},s=${signature(ctx.credentials.clientSecret, t, body)}` };
  });
}
