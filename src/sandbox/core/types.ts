import type { RequestListener } from 'node:http';
import type { Item, ItemKind, PlatformId, Profile, Audience, DailyInsight } from '../../platforms/types';
import type { SandboxClock } from './clock';
import type { FaultInjector } from './faults';
import type { RequestLog } from './request-log';
import type { WebhookOutbox } from './webhooks';

export interface SandboxOptions {
  clock: SandboxClock;
  /** Seed of the generated world; the same seed gives the same accounts, items and metrics. */
  seed: number;
  /** Generated accounts (each can be connected through OAuth). */
  accounts?: number;
  /** Items per generated account (posts/tweets/videos). */
  itemsPerAccount?: number;
  /** Consent screen auto-approves (tests) instead of waiting for the "Allow" click. */
  autoApprove?: boolean;
}

/** One account's data in the normalized Firestore form (DESIGN.md), for "100% data accuracy" checks. */
export interface GroundTruthAccount {
  accountId: string;
  profile: Profile;
  insights?: Record<string, number>;
  daily?: DailyInsight[];
  audience?: Audience;
  items: Partial<Record<ItemKind, Item[]>>;
}

export interface PlatformSandbox {
  readonly platform: PlatformId;
  /** Serves the platform's real paths plus the `/_sandbox` control API. */
  readonly handler: RequestListener;
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly outbox: WebhookOutbox;
  readonly clock: SandboxClock;
  /** App credentials the sandbox accepts (what a developer would copy from the platform's console). */
  readonly credentials: { clientId: string; clientSecret: string; webhookVerifyToken?: string };
  /** socialsync environment variables that point the connector at this sandbox served from `baseUrl`. */
  env(baseUrl: string): Record<string, string>;
  groundTruth(accountId: string): GroundTruthAccount;
  accountIds(): string[];
}
