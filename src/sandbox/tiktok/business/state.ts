/**
 * The sandbox's TikTok API for Business: the second developer app (App ID + secret), its consents, tokens
 * (24 h access, one-year rotating refresh), and the account data `/business/get/` serves — daily metrics and
 * audience computed deterministically from the world's accounts, so tests can compare with `groundTruth`.
 */
import { createHash } from 'node:crypto';
import type { SandboxClock } from '../../core/clock';
import { SlidingWindowLimiter } from '../../core/limiter';
import { Random, secret } from '../../core/random';
import type { GroundTruthAudience, GroundTruthDailyInsight } from '../../core/types';
import type { SandboxAccount, TikTokWorld } from '../world';
import {
  ACCESS_TOKEN_TTL_S,
  AUDIENCE_MIN_FOLLOWERS,
  AUTH_CODE_TTL_MS,
  LOOKBACK_DAYS,
  PER_ACCOUNT_PER_MINUTE,
  RATE_WINDOW_MS,
  REFRESH_TOKEN_TTL_S,
} from './facts';

const DAY_MS = 86_400_000;

interface Grant {
  /** The world account (Login Kit open_id) behind the app-scoped business id. */
  accountId: string;
  businessId: string;
  scopes: string[];
  refreshExpiresAt: number;
  revoked: boolean;
}

interface Code {
  accountId: string;
  scopes: string[];
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export interface BusinessTokenData {
  access_token: string;
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  open_id: string;
}

export type BusinessTokenCheck =
  { ok: true; grant: Grant } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** A stable 32-bit seed from text (same account and day → same numbers, on every start). */
function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/** Shares that add up to 1 (rounded to 4 places; the last takes the rest). */
function shares(random: Random, n: number): number[] {
  const weights = Array.from({ length: n }, () => random.int(1, 100));
  const total = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => round4(w / total));
  out[n - 1] = round4(1 - out.slice(0, -1).reduce((a, b) => a + b, 0));
  return out;
}

/** The first `n` of `items` in a seeded order (Fisher–Yates). */
function pickN<T>(random: Random, items: readonly T[], n: number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}

const AGES = ['18-24', '25-34', '35-44', '45-54', '55+'];
const GENDERS = ['Female', 'Male', 'Other'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'BR', 'MX', 'ID', 'JP', 'CA', 'AU'];
const CITIES = ['Los Angeles', 'New York', 'London', 'Berlin', 'São Paulo', 'Jakarta', 'Tokyo', 'Toronto'];

export class BusinessState {
  readonly credentials: { appId: string; secret: string };
  /** 40 calls per minute per authorized account and endpoint, on the sandbox clock. */
  readonly limiter: SlidingWindowLimiter;
  private readonly codes = new Map<string, Code>();
  private readonly access = new Map<string, { grant: Grant; expiresAt: number }>();
  private readonly refresh = new Map<string, { grant: Grant; used: boolean }>();
  private readonly random: Random;

  constructor(
    private readonly clock: SandboxClock,
    private readonly world: TikTokWorld,
    seed: number,
  ) {
    this.random = new Random(seed ^ 0xb115);
    this.credentials = { appId: this.random.digits(19), secret: secret.hex(40) };
    this.limiter = new SlidingWindowLimiter(clock, PER_ACCOUNT_PER_MINUTE, RATE_WINDOW_MS);
  }

  /** The app-scoped id TikTok gives this app for an account (`open_id` of the token answer, `business_id`). */
  businessIdOf(accountId: string): string {
    return `-000${createHash('sha256').update(`business:${accountId}`).digest('hex').slice(0, 32)}`;
  }

  accountOf(businessId: string): SandboxAccount | undefined {
    return this.world.list().find((a) => this.businessIdOf(a.openId) === businessId);
  }

  issueCode(req: { accountId: string; scopes: string[]; redirectUri: string }): string {
    const code = secret.hex(48);
    this.codes.set(code, { ...req, expiresAt: this.clock.now() + AUTH_CODE_TTL_MS, used: false });
    return code;
  }

  takeCode(code: string): Code | 'unknown' | 'used' | 'expired' {
    const found = this.codes.get(code);
    if (!found) return 'unknown';
    if (found.used) return 'used';
    found.used = true;
    return found.expiresAt <= this.clock.now() ? 'expired' : found;
  }

  newGrant(accountId: string, scopes: string[]): BusinessTokenData {
    const grant: Grant = {
      accountId,
      businessId: this.businessIdOf(accountId),
      scopes,
      refreshExpiresAt: this.clock.now() + REFRESH_TOKEN_TTL_S * 1000,
      revoked: false,
    };
    return this.issue(grant);
  }

  private issue(grant: Grant): BusinessTokenData {
    const accessToken = `act.${secret.hex(40)}`;
    const refreshToken = `rft.${secret.hex(40)}`;
    this.access.set(accessToken, { grant, expiresAt: this.clock.now() + ACCESS_TOKEN_TTL_S * 1000 });
    this.refresh.set(refreshToken, { grant, used: false });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      scope: grant.scopes.join(','),
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: refreshToken,
      refresh_token_expires_in: Math.max(0, Math.floor((grant.refreshExpiresAt - this.clock.now()) / 1000)),
      open_id: grant.businessId,
    };
  }

  /** Renewal returns a new access and refresh token; the old refresh token is spent. */
  refreshTokens(refreshToken: string): BusinessTokenData | 'invalid' {
    const found = this.refresh.get(refreshToken);
    if (!found || found.used || found.grant.revoked || found.grant.refreshExpiresAt <= this.clock.now())
      return 'invalid';
    found.used = true;
    return this.issue(found.grant);
  }

  checkAccess(accessToken: string): BusinessTokenCheck {
    const found = this.access.get(accessToken);
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.grant.revoked) return { ok: false, reason: 'revoked' };
    if (found.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: found.grant };
  }

  /** Ends the whole consent behind the token (the app's revoke call, or "Remove access" in the TikTok app). */
  revokeByAccessToken(accessToken: string): boolean {
    const found = this.access.get(accessToken);
    if (!found || found.grant.revoked) return false;
    found.grant.revoked = true;
    return true;
  }

  /** "Remove access" in the TikTok app for every grant of an account; returns how many were live. */
  revokeAccount(accountId: string): number {
    const grants = new Set(
      [...this.access.values()].map((a) => a.grant).filter((g) => g.accountId === accountId),
    );
    let revoked = 0;
    for (const grant of grants) {
      if (!grant.revoked) revoked += 1;
      grant.revoked = true;
    }
    return revoked;
  }

  /** `YYYY-MM-DD` of the sandbox's today (UTC). */
  today(): string {
    return new Date(this.clock.now()).toISOString().slice(0, 10);
  }

  /** The days `/business/get/` has data for: the past 60 days up to yesterday (insights lag a day or more). */
  availableDays(): { earliest: string; latest: string } {
    const today = Math.floor(this.clock.now() / DAY_MS) * DAY_MS;
    return {
      earliest: new Date(today - LOOKBACK_DAYS * DAY_MS).toISOString().slice(0, 10),
      latest: new Date(today - DAY_MS).toISOString().slice(0, 10),
    };
  }

  /** Followers at the end of `date`, from the world's growth model (constant when pinned by the control API). */
  followersOn(account: SandboxAccount, date: string): number {
    if (account.profileOverrides.follower_count !== undefined) return account.profileOverrides.follower_count;
    const endOfDay = Date.parse(`${date}T00:00:00Z`) + DAY_MS;
    const days = Math.min(endOfDay, this.clock.now()) - account.anchorMs;
    return Math.max(0, account.followersBase + Math.floor((days / DAY_MS) * account.followerGrowthPerDay));
  }

  /** One day of metrics in TikTok's raw names. */
  dailyMetrics(account: SandboxAccount, date: string): Record<string, number> {
    const random = new Random(seedOf(`${account.openId}:${date}`));
    const followers = this.followersOn(account, date);
    const views = random.int(0, Math.max(50, followers * 2));
    return {
      followers_count: followers,
      profile_views: random.int(0, Math.max(5, Math.floor(views / 20))),
      video_views: views,
      likes: random.int(0, Math.max(5, Math.floor(views / 8))),
      comments: random.int(0, Math.max(2, Math.floor(views / 150))),
      shares: random.int(0, Math.max(2, Math.floor(views / 200))),
    };
  }

  /** Audience lists in TikTok's raw shape; empty below 100 followers. */
  audience(account: SandboxAccount): {
    audience_ages: { age: string; percentage: number }[];
    audience_genders: { gender: string; percentage: number }[];
    audience_countries: { country: string; percentage: number }[];
    audience_cities: { city_name: string; percentage: number }[];
  } {
    if (this.world.followerCount(account) < AUDIENCE_MIN_FOLLOWERS) {
      return { audience_ages: [], audience_genders: [], audience_countries: [], audience_cities: [] };
    }
    const random = new Random(seedOf(`audience:${account.openId}`));
    const countries = pickN(random, COUNTRIES, 5);
    const cities = pickN(random, CITIES, 5);
    const [a, g, c, ci] = [
      shares(random, AGES.length),
      shares(random, 3),
      shares(random, 5),
      shares(random, 5),
    ];
    return {
      audience_ages: AGES.map((age, i) => ({ age, percentage: a[i]! })),
      audience_genders: GENDERS.map((gender, i) => ({ gender, percentage: g[i]! })),
      audience_countries: countries.map((country, i) => ({ country, percentage: c[i]! })),
      audience_cities: cities.map((city_name, i) => ({ city_name, percentage: ci[i]! })),
    };
  }

  /**
   * What a complete sync should have stored, in the normalized Firestore form (docs/contract.md): the daily
   * insights of `[from, to]` (clipped to the available days) and the audience, or why it is absent.
   */
  groundTruth(
    account: SandboxAccount,
    range: { from: string; to: string },
  ): { daily: GroundTruthDailyInsight[]; audience?: GroundTruthAudience; audienceUnavailable?: string } {
    const { earliest, latest } = this.availableDays();
    const daily: GroundTruthDailyInsight[] = [];
    for (
      let t = Date.parse(`${range.from}T00:00:00Z`);
      t <= Date.parse(`${range.to}T00:00:00Z`);
      t += DAY_MS
    ) {
      const date = new Date(t).toISOString().slice(0, 10);
      if (date < earliest || date > latest) continue;
      const raw = this.dailyMetrics(account, date);
      daily.push({
        date,
        metrics: {
          followers: raw.followers_count!,
          profile_views: raw.profile_views!,
          video_views: raw.video_views!,
          likes: raw.likes!,
          comments: raw.comments!,
          shares: raw.shares!,
        },
      });
    }
    const raw = this.audience(account);
    if (raw.audience_ages.length === 0)
      return { daily, audienceUnavailable: `fewer than ${AUDIENCE_MIN_FOLLOWERS} followers` };
    const toMap = <T>(list: T[], key: (e: T) => string, value: (e: T) => number) =>
      Object.fromEntries(list.map((e) => [key(e), value(e)]));
    return {
      daily,
      audience: {
        age: toMap(
          raw.audience_ages,
          (e) => e.age,
          (e) => e.percentage,
        ),
        gender: toMap(
          raw.audience_genders,
          (e) => e.gender,
          (e) => e.percentage,
        ),
        country: toMap(
          raw.audience_countries,
          (e) => e.country,
          (e) => e.percentage,
        ),
        city: toMap(
          raw.audience_cities,
          (e) => e.city_name,
          (e) => e.percentage,
        ),
      },
    };
  }
}
