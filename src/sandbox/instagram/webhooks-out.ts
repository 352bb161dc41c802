/**
 * Outgoing Instagram webhooks: Meta's verification handshake on subscribe, and deliveries signed with
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` (plus the legacy SHA-1 header).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookDelivery } from '../core/webhooks';
import { LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER } from './facts';
import type { InstagramSandboxState } from './state';

export interface WebhookChange {
  field: string;
  value: Record<string, unknown>;
}

export function signatureHeaders(body: string, appSecret: string): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`,
    [LEGACY_SIGNATURE_HEADER]: `sha1=${createHmac('sha1', appSecret).update(body).digest('hex')}`,
  };
}

/** GET url?hub.mode=subscribe&hub.challenge&hub.verify_token; the endpoint must echo the challenge with a 200. */
export async function verifySubscriber(
  url: string,
  verifyToken: string,
): Promise<{ ok: boolean; reason?: string }> {
  const challenge = String(Math.floor(Math.random() * 1e9));
  const target = new URL(url);
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.challenge', challenge);
  target.searchParams.set('hub.verify_token', verifyToken);
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) return { ok: false, reason: `verification answered ${res.status}` };
    if (text.trim() !== challenge) return { ok: false, reason: 'verification did not echo hub.challenge' };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `verification request failed: ${(err as Error).message}` };
  }
}

/**
 * Delivers changes of one account, signed, to the app's callback URL: only when the account subscribed the app
 * through `POST /{ig-user-id}/subscribed_apps` (at least one field); otherwise Meta sends nothing.
 */
export async function emitChanges(
  state: InstagramSandboxState,
  accountId: string,
  changes: WebhookChange[],
): Promise<WebhookDelivery[]> {
  if ((state.subscriptions.get(accountId)?.size ?? 0) === 0) return [];
  const body = JSON.stringify({
    object: 'instagram',
    entry: [{ id: accountId, time: state.clock.nowSeconds(), changes }],
  });
  return state.outbox.send(body, signatureHeaders(body, state.credentials.clientSecret));
}

export function commentChange(req: {
  mediaId: string;
  productType: string;
  text?: string;
  from?: { id: string; username: string };
}): WebhookChange {
  return {
    field: 'comments',
    value: {
      id: `18${BigInt('0x' + randomBytes(7).toString('hex'))
        .toString()
        .padStart(15, '0')
        .slice(0, 15)}`,
      from: req.from ?? { id: '17841400000000001', username: 'sandbox.commenter' },
      text: req.text ?? 'Nice post!',
      media: { id: req.mediaId, media_product_type: req.productType },
    },
  };
}
