/**
 * Instagram Graph API calls (graph.instagram.com): profile, account insights, demographics, media and stories edges
 * with inline insights, per-media insights. Every call carries `appsecret_proof` (when enabled) and is validated,
 * classified and counted by the connector HTTP kit (src/platforms/http); each returns raw (validated) shapes for
 * the mapper. All of them are reads, so transient failures are retried inside the kit.
 */
import { hmacSha256 } from '../http';
import type { CallUsage } from '../types';
import type { InstagramHttp } from './http';
import { DEMOGRAPHIC_BREAKDOWNS, type DemographicBreakdown } from './metrics';
import { InsightsResponse, MediaNode, MediaPage, MeResponse } from './schemas';
import type { InstagramSettings } from './settings';

export const PROFILE_FIELDS =
  'user_id,username,name,profile_picture_url,followers_count,follows_count,media_count,account_type';
export const POST_FIELDS =
  'id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count';
export const STORY_FIELDS = 'id,caption,media_type,media_product_type,permalink,timestamp';

export interface CallContext {
  token: string;
  usage: CallUsage;
}

export interface EdgeRequest extends CallContext {
  userId: string;
  edge: 'media' | 'stories';
  fields: string;
  limit: number;
  after?: string;
}

export class InstagramGraphClient {
  private readonly base: string;

  constructor(
    private readonly settings: InstagramSettings,
    private readonly http: InstagramHttp,
  ) {
    this.base = settings.graphVersion ? `${settings.graphUrl}/${settings.graphVersion}` : settings.graphUrl;
  }

  /** access_token plus appsecret_proof = hex HMAC-SHA256(app secret, token). */
  private auth(token: string): Record<string, string> {
    if (!this.settings.appsecretProof) return { access_token: token };
    const proof = hmacSha256(this.settings.clientSecret, token).toString('hex');
    return { access_token: token, appsecret_proof: proof };
  }

  me(ctx: CallContext) {
    return this.http.request({
      method: 'GET',
      url: `${this.base}/me`,
      endpoint: 'GET /me',
      params: { fields: PROFILE_FIELDS, ...this.auth(ctx.token) },
      schema: MeResponse,
      usage: ctx.usage,
      idempotent: true,
    });
  }

  /** Day metrics as one `total_value` per metric over `[since, until)` (UNIX seconds). */
  accountInsights(
    ctx: CallContext & { userId: string; metrics: readonly string[]; since: number; until: number },
  ) {
    return this.http.request({
      method: 'GET',
      url: `${this.base}/${ctx.userId}/insights`,
      endpoint: 'GET /{ig-user-id}/insights',
      params: {
        metric: ctx.metrics.join(','),
        period: 'day',
        metric_type: 'total_value',
        since: String(ctx.since),
        until: String(ctx.until),
        ...this.auth(ctx.token),
      },
      schema: InsightsResponse,
      usage: ctx.usage,
      idempotent: true,
    });
  }

  demographics(ctx: CallContext & { userId: string; breakdown: DemographicBreakdown }) {
    if (!DEMOGRAPHIC_BREAKDOWNS.includes(ctx.breakdown))
      throw new RangeError(`unknown breakdown ${ctx.breakdown}`);
    return this.http.request({
      method: 'GET',
      url: `${this.base}/${ctx.userId}/insights`,
      endpoint: 'GET /{ig-user-id}/insights',
      params: {
        metric: 'follower_demographics',
        period: 'lifetime',
        metric_type: 'total_value',
        breakdown: ctx.breakdown,
        timeframe: 'this_month',
        ...this.auth(ctx.token),
      },
      schema: InsightsResponse,
      usage: ctx.usage,
      idempotent: true,
    });
  }

  edge(req: EdgeRequest) {
    return this.http.request({
      method: 'GET',
      url: `${this.base}/${req.userId}/${req.edge}`,
      endpoint: `GET /{ig-user-id}/${req.edge}`,
      params: {
        fields: req.fields,
        limit: String(req.limit),
        ...(req.after ? { after: req.after } : {}),
        ...this.auth(req.token),
      },
      schema: MediaPage,
      usage: req.usage,
      idempotent: true,
    });
  }

  media(ctx: CallContext & { mediaId: string; fields: string }) {
    return this.http.request({
      method: 'GET',
      url: `${this.base}/${ctx.mediaId}`,
      endpoint: 'GET /{media-id}',
      params: { fields: ctx.fields, ...this.auth(ctx.token) },
      schema: MediaNode,
      usage: ctx.usage,
      idempotent: true,
    });
  }

  mediaInsights(ctx: CallContext & { mediaId: string; metrics: readonly string[]; breakdown?: string }) {
    return this.http.request({
      method: 'GET',
      url: `${this.base}/${ctx.mediaId}/insights`,
      endpoint: 'GET /{media-id}/insights',
      params: {
        metric: ctx.metrics.join(','),
        ...(ctx.breakdown ? { breakdown: ctx.breakdown } : {}),
        ...this.auth(ctx.token),
      },
      schema: InsightsResponse,
      usage: ctx.usage,
      idempotent: true,
    });
  }
}
