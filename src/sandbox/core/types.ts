/**
 * What every sandbox platform offers its callers. The sandbox imports nothing from `src/platforms` (a wrong fact in a
 * connector must not be confirmed by its own fake), so the normalized record shapes it reports as ground truth are
 * declared here again. They are the Firestore contract's shapes (docs/contract.md): a test compares them with what
 * the connector wrote, so a drift between the two copies shows up as a failing comparison, not silently.
 */
import type { RequestListener } from 'node:http';
import type { SandboxClock } from './clock';
import type { FaultInjector } from './faults';
import type { RequestLog } from './request-log';
import type { WebhookOutbox } from './webhooks';

/** The platforms a sandbox can stand in for. */
export type SandboxPlatformId = 'instagram' | 'twitter' | 'tiktok';

/** Firestore item collections (`posts`, `stories`, `tweets`, `videos`). */
export type GroundTruthItemKind = 'posts' | 'stories' | 'tweets' | 'videos';

/** One item in the normalized Firestore form: the platform's id, an ISO instant, text, metrics, scalar attributes. */
export interface GroundTruthItem {
  kind: GroundTruthItemKind;
  id: string;
  createdAt: string;
  text: string | null;
  metrics: Record<string, number>;
  attributes?: Record<string, string | number | boolean | null>;
}

/** The platform document's `profile`. */
export interface GroundTruthProfile {
  username: string;
  displayName: string | null;
  followers?: number;
  following?: number;
  postCount?: number;
}

/** One UTC day of account metrics (`insights/{YYYY-MM-DD}`). */
export interface GroundTruthDailyInsight {
  date: string;
  metrics: Record<string, number>;
}

/** The platform document's `audience`. */
export interface GroundTruthAudience {
  age?: Record<string, number>;
  gender?: Record<string, number>;
  country?: Record<string, number>;
  city?: Record<string, number>;
}

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
  profile: GroundTruthProfile;
  insights?: Record<string, number>;
  daily?: GroundTruthDailyInsight[];
  audience?: GroundTruthAudience;
  items: Partial<Record<GroundTruthItemKind, GroundTruthItem[]>>;
}

export interface PlatformSandbox {
  readonly platform: SandboxPlatformId;
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
