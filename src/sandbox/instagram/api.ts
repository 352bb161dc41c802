/**
 * The Instagram sandbox's in-process control surface (also served as the `/_sandbox` HTTP control API by control.ts).
 * Its own module so that control.ts and index.ts do not import each other.
 */
import type { PlatformSandbox } from '../core/types';
import type { WebhookDelivery } from '../core/webhooks';
import type { SandboxItem, SandboxProfile } from './records';
import type { InstagramAppSettings, RefusalRule } from './state';
import type { NewAccountRequest } from './world';

export interface NewItemRequest {
  kind?: 'posts' | 'stories';
  text?: string;
  /** Normalized metric names (`likes`, `saves`, `navigation`…) → absolute values. */
  metrics?: Record<string, number>;
  /** ISO instant or epoch ms (default: now on the sandbox clock). */
  createdAt?: string | number;
}

export interface ProfilePatch {
  username?: string;
  displayName?: string | null;
  followers?: number;
  following?: number;
  /** Link in bio; accounts without one have no `profile_links_taps` data. */
  website?: string | null;
}

export interface SendWebhookRequest {
  accountId: string;
  /** `comments` (default) or `mentions`. */
  field?: string;
  mediaId?: string;
  text?: string;
}

export interface InstagramSandbox extends PlatformSandbox {
  /** Who consents on the next authorize request. */
  login(accountId: string): void;
  createAccount(req?: NewAccountRequest): string;
  addItem(accountId: string, req: NewItemRequest): SandboxItem;
  /** Changes caption/metrics; more comments emit `comments` webhooks like the platform. */
  patchItem(
    accountId: string,
    itemId: string,
    req: { text?: string; metrics?: Record<string, number> },
  ): Promise<SandboxItem>;
  deleteItem(accountId: string, itemId: string): void;
  patchProfile(accountId: string, patch: ProfilePatch): SandboxProfile;
  /** The user removes the app: every token of the account fails with 190/458. */
  revoke(accountId: string): void;
  expireTokens(accountId: string): number;
  setLimits(limits: { perUser?: number; perApp?: number; windowMs?: number }): void;
  setApp(settings: Partial<InstagramAppSettings>): InstagramAppSettings;
  /** Meta's verification handshake against `url`, then subscribes it. */
  subscribeWebhook(url: string): Promise<void>;
  sendWebhook(req: SendWebhookRequest): Promise<WebhookDelivery[]>;
  /** The app-scoped id of an account (what the token exchange answers as `user_id`). */
  appScopedId(accountId: string): string;
  /** Fields the account subscribed through `POST /{ig-user-id}/subscribed_apps` (empty: no webhooks). */
  subscribedFields(accountId: string): string[];
  /** From now on the platform refuses this metric, breakdown or edge (for one account or all); returns the rule id. */
  refuse(rule: RefusalRule): number;
  clearRefusals(): void;
  /** The loggedIn account, settings and limits (for the control API). */
  describe(): Record<string, unknown>;
}
