/**
 * Raw shapes of the X endpoints behind real-time delivery, as zod schemas: the app-only bearer token
 * (`POST /oauth2/token`), the V2 Webhooks API (`/2/webhooks`), the X Activity API subscriptions
 * (`/2/activity/subscriptions`) and the event envelope X POSTs to the webhook. Sources, one per block; the
 * reasons for choosing the X Activity API over the Account Activity API are in docs/twitter.md.
 * Objects are not strict (X adds fields); a missing or retyped field we read fails the parse.
 */
import { z } from 'zod';

/** X ids (users, posts, webhooks, subscriptions) are 64-bit numbers sent as strings. */
export const X_ID = /^\d{1,19}$/;
const Id = z.string().regex(X_ID, 'expected a numeric id string');

// ── App-only bearer token ────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/fundamentals/authentication/oauth-2-0/application-only

/** `{"token_type":"bearer","access_token":"AAAA…"}`; the same token until it is invalidated. */
export const AppTokenResponse = z.object({
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'expected token_type bearer'),
  access_token: z.string().min(1),
});
export type AppTokenResponse = z.infer<typeof AppTokenResponse>;

// ── V2 Webhooks API ──────────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/webhooks/quickstart (examples) and the OpenAPI spec (`WebhookConfig`).

export const WebhookConfig = z.object({
  id: Id,
  url: z.string().min(1),
  valid: z.boolean(),
  created_at: z.string().optional(),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;

/** `GET /2/webhooks`: `{"data":[…],"meta":{"result_count"}}`; `data` is `[]` (or absent) with none. */
export const WebhookListResponse = z.object({ data: z.array(WebhookConfig).optional() });

/** `POST /2/webhooks`: the new config, after X's CRC check against the URL passed. */
export const WebhookCreateResponse = z.object({ data: WebhookConfig });

/** `PUT /2/webhooks/:id` (re-runs the CRC check): `{"data":{"valid":true}}`. */
export const WebhookValidateResponse = z.object({ data: z.object({ valid: z.boolean() }) });

/**
 * The failure reasons X documents for the webhook endpoints (`CrcValidationFailed`, `DuplicateUrlFailed`,
 * `UrlValidationFailed`, `WebhookLimitExceeded`, `WebhookIdInvalid`). The body that carries them is not documented:
 * any `errors[]` entry's `message`, `detail` or `title` naming one is accepted.
 */
export const WebhookErrorBody = z.object({
  errors: z
    .array(
      z.object({
        message: z.string().optional(),
        detail: z.string().optional(),
        title: z.string().optional(),
      }),
    )
    .optional(),
  detail: z.string().optional(),
  title: z.string().optional(),
});

// ── X Activity API subscriptions ─────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/activity/quickstart and the OpenAPI spec (`CreateActivitySubscriptionRequest`).

export const SubscriptionFilter = z.object({
  user_id: z.string().optional(),
  keyword: z.string().optional(),
  direction: z.string().optional(),
});

export const ActivitySubscription = z.object({
  subscription_id: Id,
  event_type: z.string(),
  filter: SubscriptionFilter.optional(),
  tag: z.string().optional(),
  webhook_id: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type ActivitySubscription = z.infer<typeof ActivitySubscription>;

/**
 * `POST /2/activity/subscriptions`. The OpenAPI spec wraps the subscription (`data.subscription`), the quickstart
 * shows it flat in `data`: both readings are accepted.
 */
export const SubscriptionCreateResponse = z.object({
  data: z.union([z.object({ subscription: ActivitySubscription }), ActivitySubscription]),
});

export function createdSubscription(body: z.infer<typeof SubscriptionCreateResponse>): ActivitySubscription {
  return 'subscription' in body.data ? body.data.subscription : body.data;
}

/** `GET /2/activity/subscriptions`: `data` absent or `[]` with none; `meta.next_token` while more pages exist. */
export const SubscriptionListResponse = z.object({
  data: z.array(ActivitySubscription).optional(),
  meta: z.object({ next_token: z.string().optional() }).passthrough().optional(),
});

export const SubscriptionDeleteResponse = z.object({ data: z.object({ deleted: z.boolean() }) });

// ── Webhook deliveries ───────────────────────────────────────────────────────────────────────────────────
// https://docs.x.com/x-api/activity/event-payloads: every event shares one envelope under `data`.

/** `post.create`: the payload is a Post object (v2 shape). */
export const PostPayload = z.object({
  id: z.string(),
  author_id: z.string().optional(),
  created_at: z.string().optional(),
  text: z.string().optional(),
  referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
});

/** `post.delete`: `{"id","author_id"}`. */
export const PostDeletePayload = z.object({ id: z.string(), author_id: z.string().optional() });

/** `oauth.revoke`: `{"date_time","user_id","app_id"}`; the envelope's filter may be empty. */
export const RevokePayload = z.object({
  user_id: z.string(),
  app_id: z.union([z.string(), z.number()]).optional(),
  date_time: z.string().optional(),
});

export const ActivityEnvelope = z.object({
  /** "Unique identifier for this event delivery"; the samples show signed decimals (`-2781149976877970683`). */
  event_uuid: z.string().max(64).optional(),
  event_type: z.string().min(1).max(100),
  filter: SubscriptionFilter.passthrough().optional(),
  tag: z.string().optional(),
  payload: z.unknown(),
});
export type ActivityEnvelope = z.infer<typeof ActivityEnvelope>;

/** A delivery body: the envelope under `data` (as documented), or bare (accepted defensively). */
export const ActivityDelivery = z.union([z.object({ data: ActivityEnvelope }), ActivityEnvelope]);

export function envelopeOf(body: z.infer<typeof ActivityDelivery>): ActivityEnvelope {
  return 'data' in body ? body.data : body;
}
