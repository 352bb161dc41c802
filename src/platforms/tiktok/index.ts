/**
 * The TikTok connector: Login Kit OAuth + Display API v2 behind the PlatformConnector interface.
 *
 * Audience and daily history come from the optional TikTok API for Business authorization (`business`, see
 * business/ and docs/tiktok.md): Login Kit tokens do not grant them. "Trending sounds" has no public endpoint, so
 * the connector offers nothing for it rather than inventing data.
 */
import { silentLogger, type Logger } from '../../shared/logger';
import { PlatformError } from '../errors';
import type {
  AccountSnapshot,
  CallUsage,
  Item,
  ItemKind,
  ItemPage,
  ListItemsRequest,
  PlatformConnector,
  RateWindow,
  TokenSet,
} from '../types';
import type { RetryOptions } from '../http';
import { BUCKETS, ENDPOINTS, TikTokClient } from './client';
import { createTikTokHttp } from './http';
import { mapAccountInsights, mapProfile, mapVideo } from './mapper';
import { TikTokOAuth } from './oauth';
import {
  CONNECTOR_USER_FIELDS,
  CONNECTOR_VIDEO_FIELDS,
  MAX_QUERY_IDS,
  MAX_VIDEO_PAGE,
  USER_FIELD_SCOPES,
  type TikTokVideo,
  type UserField,
} from './schemas';
import type { TikTokSettings } from './settings';
import { createTikTokWebhookHandler } from './webhook';
import { createTikTokBusiness } from './business';

export { TIKTOK_CREDENTIALS, tiktokSettingsFromEnv, type TikTokSettings } from './settings';

export interface TikTokConnectorDeps {
  logger?: Logger;
  timeoutMs?: number;
  /** Clock for token expiry and rate-limit retry times (tests pin it). */
  now?: () => number;
  /** Short in-call retries of transient failures (src/platforms/http/retry.ts); default 2 retries, 100-400 ms. */
  retry?: RetryOptions;
}

/** Only the fields the token's scopes allow: asking for more makes TikTok refuse the whole call. */
function userFieldsFor(token: TokenSet): UserField[] {
  if (token.scopes.length === 0) return [...CONNECTOR_USER_FIELDS];
  return CONNECTOR_USER_FIELDS.filter((f) => token.scopes.includes(USER_FIELD_SCOPES[f]));
}

function mapVideos(endpoint: string, videos: TikTokVideo[]): Item[] {
  return videos.map((video, i) => {
    if (video.create_time === undefined) {
      throw new PlatformError(
        'permanent',
        `unexpected response shape at "data.videos.${i}.create_time": missing`,
        {
          platform: 'tiktok',
          endpoint,
        },
      );
    }
    return mapVideo(video);
  });
}

function unsupportedKind(kind: ItemKind, endpoint: string): PlatformError {
  return new PlatformError('unsupported', `TikTok has no "${kind}" items, only videos`, {
    platform: 'tiktok',
    endpoint,
  });
}

export function createTikTokConnector(
  settings: TikTokSettings,
  deps: TikTokConnectorDeps = {},
): PlatformConnector {
  const logger = (deps.logger ?? silentLogger).child({ module: 'tiktok' });
  const now = deps.now ?? Date.now;
  const http = createTikTokHttp({ timeoutMs: deps.timeoutMs, logger, now, retry: deps.retry });
  const client = new TikTokClient({ apiUrl: settings.apiUrl, http });
  const oauth = new TikTokOAuth({
    clientKey: settings.clientKey,
    clientSecret: settings.clientSecret,
    authorizeUrl: settings.authorizeUrl,
    apiUrl: settings.apiUrl,
    pkce: settings.pkce ?? 'S256-hex',
    http,
    logger,
    now,
  });
  const rateLimits: RateWindow[] = Object.values(BUCKETS).map((bucket) => ({
    bucket,
    limit: settings.callsPerMinute,
    windowMs: 60_000,
  }));

  const business = settings.business
    ? createTikTokBusiness(settings.business, { logger, now, timeoutMs: deps.timeoutMs, retry: deps.retry })
    : undefined;

  return {
    id: 'tiktok',
    oauth,
    ...(business ? { business } : {}),
    webhooks: createTikTokWebhookHandler({
      clientKey: settings.clientKey,
      clientSecret: settings.clientSecret,
    }),
    rateLimits,

    async fetchAccount(token: TokenSet): Promise<AccountSnapshot> {
      // The Display API has no per-day history and no audience data: profile and today's totals only.
      const usage: CallUsage = {};
      const user = await client.userInfo(token.accessToken, userFieldsFor(token), usage);
      const snapshot: AccountSnapshot = {
        accountId: user.open_id ?? token.accountId,
        profile: mapProfile(user),
        usage,
      };
      const insights = mapAccountInsights(user);
      if (insights) snapshot.insights = insights;
      return snapshot;
    },

    async listItems(token: TokenSet, req: ListItemsRequest): Promise<ItemPage> {
      if (req.kind !== 'videos') throw unsupportedKind(req.kind, ENDPOINTS.videoList);
      let cursor: number | undefined;
      if (req.cursor !== undefined) {
        cursor = Number(req.cursor);
        if (!Number.isSafeInteger(cursor)) {
          throw new PlatformError('permanent', `cursor "${req.cursor}" is not an epoch-ms number`, {
            platform: 'tiktok',
            endpoint: ENDPOINTS.videoList,
          });
        }
      }
      const usage: CallUsage = {};
      const page = await client.listVideos(token.accessToken, {
        cursor,
        maxCount: req.pageSize ?? MAX_VIDEO_PAGE,
        fields: CONNECTOR_VIDEO_FIELDS,
        usage,
      });
      // A short (even empty) page with has_more still has a next page: only has_more ends the walk.
      return {
        items: mapVideos(ENDPOINTS.videoList, page.videos),
        ...(page.hasMore ? { nextCursor: String(page.cursor) } : {}),
        usage,
      };
    },

    async refreshItems(token: TokenSet, { kind, ids }: { kind: ItemKind; ids: string[] }) {
      if (kind !== 'videos')
        return { items: [] as Item[], missing: [] as string[], unsupported: [...ids], usage: {} };
      const unique = [...new Set(ids)];
      const items: Item[] = [];
      const usage: CallUsage = {};
      for (let i = 0; i < unique.length; i += MAX_QUERY_IDS) {
        const batch = unique.slice(i, i + MAX_QUERY_IDS);
        const videos = await client.queryVideos(token.accessToken, batch, CONNECTOR_VIDEO_FIELDS, usage);
        items.push(...mapVideos(ENDPOINTS.videoQuery, videos));
      }
      const found = new Set(items.map((item) => item.id));
      return { items, missing: unique.filter((id) => !found.has(id)), usage };
    },
  };
}

export { TikTokClient } from './client';
export { TikTokOAuth } from './oauth';
export { createTikTokWebhookHandler } from './webhook';
