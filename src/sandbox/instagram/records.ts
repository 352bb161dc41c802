/**
 * The normalized record shapes the sandbox's ground truth and control API answer in (the Firestore form of
 * docs/contract.md). Declared here rather than imported from src/platforms: the sandbox stays independent of the
 * connector, and these structural types stay assignable to the canonical ones.
 */
export interface SandboxProfile {
  username: string;
  displayName: string | null;
  followers?: number;
  following?: number;
  postCount?: number;
}

export interface SandboxItem {
  kind: 'posts' | 'stories';
  id: string;
  /** ISO-8601 instant. */
  createdAt: string;
  text: string | null;
  metrics: Record<string, number>;
  attributes?: Record<string, string | number | boolean | null>;
}

export interface SandboxDailyInsight {
  date: string;
  metrics: Record<string, number>;
}

export interface SandboxAudience {
  age?: Record<string, number>;
  gender?: Record<string, number>;
  country?: Record<string, number>;
  city?: Record<string, number>;
}
