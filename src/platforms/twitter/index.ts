/**
 * The X (Twitter) API v2 connector: OAuth 2.0 with PKCE, profile from users/me, the user's timeline (two
 * phases, see cursor.ts), metric refresh through post lookup, real-time delivery through the V2 Webhooks API and
 * X Activity API subscriptions (subscriptions.ts). See docs/twitter.md.
 */
import type { Env } from '../../config';
import { silentLogger, type Logger } from '../../shared/logger';
import { PlatformError } from '../errors';
import type { RetryOptions } from '../http';
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
import type { ReadUsage } from '../../domain';
import { noReads } from '../billing';
import { TwitterClient, ENDPOINTS } from './client';
import { LOOKUP_BATCH, twitterBilling, twitterCost } from './cost';
import { decodeCursor, encodeCursor, xTime, type TimelineCursor } from './cursor';
import { mapProfile, mapTweet, snowflakeTime } from './mapper';
import { TwitterOAuth } from './oauth';
import { NON_PUBLIC_WINDOW_MS, type ApiErrorEntry, type TweetField } from './schemas';
import { twitterSettingsFromEnv, type TwitterSettings } from './settings';
import { TwitterSubscriptions, type TwitterWebhookRegistration } from './subscriptions';
import { createTwitterWebhookHandler } from './webhook';
import { TwitterAppApi } from './webhooks-api';

export { TWITTER_CREDENTIALS, twitterSettingsFromEnv, type TwitterSettings } from './settings';

export interface TwitterConnectorDeps {
  logger?: Logger;
  timeoutMs?: number;
  /** Clock for token expiry and the 30-day window; tests pass the sandbox clock. */
  now?: () => number;
  /** Short in-call retries of transient failures (src/platforms/http/retry.ts); default 2 retries, 100-400 ms. */
  retry?: RetryOptions;
}

const WINDOW_MS = 15 * 60_000;
/** Posts younger than this get non-public metrics; an hour short of 30 days so none ages out mid-sync. */
const RECENT_WINDOW_MS = NON_PUBLIC_WINDOW_MS - 3_600_000;
const PUBLIC_FIELDS: TweetField[] = ['created_at', 'public_metrics'];
const RECENT_FIELDS: TweetField[] = ['created_at', 'public_metrics', 'non_public_metrics', 'organic_metrics'];

type RefreshResult = Awaited<ReturnType<PlatformConnector['refreshItems']>>;

/** The X connector; `registerWebhook` is present when the consumer key and secret are set. */
export interface TwitterConnector extends PlatformConnector {
  /** Registers (or reuses) `{PUBLIC_BASE_URL}/webhooks/twitter` at X; idempotent, once per process. */
  readonly registerWebhook?: () => Promise<TwitterWebhookRegistration>;
}

function isNotFound(error: ApiErrorEntry): boolean {
  return (error.type ?? '').endsWith('/resource-not-found') || error.title === 'Not Found Error';
}

export function createTwitterConnector(
  settings: TwitterSettings,
  deps: TwitterConnectorDeps = {},
): TwitterConnector {
  const logger = (deps.logger ?? silentLogger).child({ module: 'platform.twitter' });
  const now = deps.now ?? Date.now;
  const cost = twitterCost(settings.cost);
  const client = new TwitterClient({
    capResetDay: cost.capResetDay,
    apiUrl: settings.apiUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    timeoutMs: deps.timeoutMs ?? 30_000,
    logger,
    now,
    retry: deps.retry,
  });
  const oauth = new TwitterOAuth({
    clientId: settings.clientId,
    authorizeUrl: settings.authorizeUrl,
    client,
    now,
    refreshMarginMs: settings.refreshMarginMs,
  });
  const rateLimits: RateWindow[] = [
    { bucket: 'users/:id/tweets', limit: settings.timelineCallsPer15Min, windowMs: WINDOW_MS },
    { bucket: 'users/me', limit: settings.meCallsPer15Min ?? 75, windowMs: WINDOW_MS },
    { bucket: 'tweets', limit: settings.lookupCallsPer15Min ?? 5000, windowMs: WINDOW_MS },
  ];

  function requireTweets(kind: ItemKind, endpoint: string): void {
    if (kind !== 'tweets') {
      throw new PlatformError('unsupported', `X has no "${kind}" items`, { platform: 'twitter', endpoint });
    }
  }

  async function fetchAccount(token: TokenSet): Promise<AccountSnapshot> {
    const usage: CallUsage = {};
    const reads: ReadUsage = noReads();
    const user = await client.me(token.accessToken, usage, reads);
    // X API v2 has no account-level insights or audience endpoints: those stay absent, never invented.
    return { accountId: user.id, profile: mapProfile(user), usage, reads };
  }

  async function listItems(token: TokenSet, req: ListItemsRequest): Promise<ItemPage> {
    requireTweets(req.kind, ENDPOINTS.timeline);
    let cursor: TimelineCursor;
    if (req.cursor) {
      const decoded = decodeCursor(req.cursor);
      if (!decoded) {
        throw new PlatformError('permanent', 'cursor was not written by this connector', {
          platform: 'twitter',
          endpoint: ENDPOINTS.timeline,
        });
      }
      cursor = decoded;
    } else {
      cursor = { phase: 'recent', boundary: xTime(now() - RECENT_WINDOW_MS) };
    }
    const boundaryMs = Date.parse(cursor.boundary);
    const recent = cursor.phase === 'recent';
    const usage: CallUsage = {};
    const reads: ReadUsage = noReads();
    const res = await client.timeline(
      token.accessToken,
      {
        userId: token.accountId,
        maxResults: Math.min(100, Math.max(5, req.pageSize ?? 100)),
        paginationToken: cursor.token,
        sinceId: req.sinceId,
        // start_time is inclusive; end_time one second later so a post exactly on the boundary is never lost
        // whichever way X rounds (a duplicate is harmless: writes are idempotent).
        ...(recent ? { startTime: cursor.boundary } : { endTime: xTime(boundaryMs + 1000) }),
        // Retweets carry someone else's post and numbers; replies are the user's own posts and are kept.
        exclude: ['retweets'],
        tweetFields: recent ? RECENT_FIELDS : PUBLIC_FIELDS,
      },
      usage,
      reads,
    );
    const failures = res.errors ?? [];
    if (!res.data && failures.some(isNotFound)) {
      throw new PlatformError(
        'reauth_required',
        `X user ${token.accountId} not found (deleted or suspended)`,
        {
          platform: 'twitter',
          endpoint: ENDPOINTS.timeline,
          status: 200,
        },
      );
    }
    const items: Item[] = (res.data ?? []).map(mapTweet);
    let next: TimelineCursor | undefined;
    if (res.meta?.next_token) next = { ...cursor, token: res.meta.next_token };
    else if (recent && !(req.sinceId && snowflakeTime(req.sinceId) >= boundaryMs)) {
      // Recent window done; posts before the boundary come next (skipped when since_id is newer than it).
      next = { phase: 'older', boundary: cursor.boundary };
    }
    return { items, ...(next ? { nextCursor: encodeCursor(next) } : {}), usage, reads };
  }

  async function refreshItems(
    token: TokenSet,
    req: { kind: ItemKind; ids: string[] },
  ): Promise<RefreshResult> {
    if (req.kind !== 'tweets') return { items: [], missing: [], unsupported: [...req.ids], usage: {} };
    const valid = req.ids.filter((id) => /^\d{1,19}$/.test(id));
    const missing = req.ids.filter((id) => !valid.includes(id));
    const cutoff = now() - RECENT_WINDOW_MS;
    // Non-public fields only for posts young enough (by the time in their snowflake id), so older posts
    // are never refused for a field they cannot have.
    const recent = valid.filter((id) => snowflakeTime(id) >= cutoff);
    const older = valid.filter((id) => snowflakeTime(id) < cutoff);
    const batches: { ids: string[]; fields: TweetField[] }[] = [];
    for (let i = 0; i < recent.length; i += LOOKUP_BATCH)
      batches.push({ ids: recent.slice(i, i + LOOKUP_BATCH), fields: RECENT_FIELDS });
    for (let i = 0; i < older.length; i += LOOKUP_BATCH)
      batches.push({ ids: older.slice(i, i + LOOKUP_BATCH), fields: PUBLIC_FIELDS });
    const items: Item[] = [];
    const usage: CallUsage = {};
    const reads: ReadUsage = noReads();
    for (const batch of batches) {
      const res = await client.lookup(token.accessToken, batch.ids, batch.fields, usage, reads);
      items.push(...(res.data ?? []).map(mapTweet));
      const found = new Set((res.data ?? []).map((t) => t.id));
      for (const error of res.errors ?? []) {
        if (isNotFound(error) && error.resource_id && !found.has(error.resource_id))
          missing.push(error.resource_id);
      }
    }
    return { items, missing, usage, reads };
  }

  // Real-time delivery needs the app's consumer key and secret; without them X webhooks are refused and the
  // scheduled syncs alone keep the data current.
  const { consumerKey, consumerSecret, webhookUrl } = settings;
  const subscriptions =
    consumerKey && consumerSecret && webhookUrl
      ? new TwitterSubscriptions({
          api: new TwitterAppApi({
            apiUrl: settings.apiUrl,
            consumerKey,
            consumerSecret,
            timeoutMs: deps.timeoutMs ?? 30_000,
            logger,
            now,
            retry: deps.retry,
          }),
          url: webhookUrl,
          logger,
        })
      : undefined;

  return {
    id: 'twitter',
    oauth,
    webhooks: createTwitterWebhookHandler({ consumerSecret, logger }),
    ...(subscriptions ? { subscriptions, registerWebhook: () => subscriptions.register() } : {}),
    rateLimits,
    billing: twitterBilling(cost),
    fetchAccount,
    listItems,
    refreshItems,
  };
}

/**
 * The registration step for a CLI or the service start: registers (or reuses) `{PUBLIC_BASE_URL}/webhooks/twitter`
 * with the environment's consumer key and secret. The service must already answer there (X's CRC check).
 */
export async function registerTwitterWebhookFromEnv(
  env: Env,
  deps: TwitterConnectorDeps = {},
): Promise<TwitterWebhookRegistration> {
  const connector = createTwitterConnector(twitterSettingsFromEnv(env), deps);
  if (!connector.registerWebhook) {
    throw new Error(
      'TWITTER_CONSUMER_KEY and TWITTER_CONSUMER_SECRET are required to register the X webhook',
    );
  }
  return connector.registerWebhook();
}

export { TwitterClient } from './client';
export {
  registerTwitterWebhook,
  TwitterSubscriptions,
  type TwitterWebhookRegistration,
} from './subscriptions';
export { TwitterAppApi } from './webhooks-api';
export { TwitterOAuth } from './oauth';
