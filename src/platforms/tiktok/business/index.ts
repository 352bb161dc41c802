/**
 * The TikTok API for Business authorization as a SecondaryAuthorization of the TikTok connector: its own app
 * (`TIKTOK_BUSINESS_APP_ID`/`TIKTOK_BUSINESS_SECRET`), consent, tokens (token store slot `business`) and the
 * account read that brings daily history (60-day look-back) and audience (accounts with ≥ 100 followers).
 */
import { createConnectorHttp, type RetryOptions } from '../../http';
import type { Logger } from '../../../shared/logger';
import type { AccountPart, CallUsage, SecondaryAuthorization, TokenSet } from '../../types';
import { TikTokBusinessClient } from './client';
import { businessClassifier } from './errors';
import { mapAudience, mapDaily } from './mapper';
import { TikTokBusinessOAuth } from './oauth';
import { BUSINESS_FIELDS, LOOKBACK_DAYS } from './schemas';
import type { TikTokBusinessSettings } from './settings';

export { tiktokBusinessSettingsFromEnv, type TikTokBusinessSettings } from './settings';
export { TikTokBusinessOAuth } from './oauth';

/** The token store slot and route segment of this authorization. */
export const BUSINESS_SLOT = 'business';

const DAY_MS = 86_400_000;

export interface TikTokBusinessDeps {
  logger: Logger;
  now: () => number;
  timeoutMs?: number;
  retry?: RetryOptions;
}

const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The inclusive `start_date`/`end_date` for `[since, until)`: never before the 60-day look-back, never after today
 * (UTC), and never an empty range.
 */
export function businessDateRange(
  range: { since: Date; until: Date },
  now: number,
): { startDate: string; endDate: string } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const earliest = today - LOOKBACK_DAYS * DAY_MS;
  const end = Math.min(today, Math.max(earliest, range.until.getTime() - 1));
  const start = Math.min(end, Math.max(earliest, range.since.getTime()));
  return { startDate: utcDate(start), endDate: utcDate(end) };
}

export function createTikTokBusiness(
  settings: TikTokBusinessSettings,
  deps: TikTokBusinessDeps,
): SecondaryAuthorization {
  const http = createConnectorHttp({
    platform: 'tiktok',
    classify: businessClassifier,
    timeoutMs: deps.timeoutMs ?? 15_000,
    logger: deps.logger.child({ module: 'tiktok-business' }),
    now: deps.now,
    retry: deps.retry,
  });
  const client = new TikTokBusinessClient({ apiUrl: settings.apiUrl, http });
  const oauth = new TikTokBusinessOAuth({
    appId: settings.appId,
    secret: settings.secret,
    authorizeUrl: settings.authorizeUrl,
    apiUrl: settings.apiUrl,
    http,
    now: deps.now,
  });

  return {
    slot: BUSINESS_SLOT,
    oauth,
    async fetchAccount(token: TokenSet, range): Promise<AccountPart> {
      const usage: CallUsage = {};
      const account = await client.businessGet(token.accessToken, {
        businessId: token.accountId,
        fields: BUSINESS_FIELDS,
        ...businessDateRange(range, deps.now()),
        usage,
      });
      const part: AccountPart = { usage };
      if (account.username) part.username = account.username;
      const daily = mapDaily(account.metrics ?? []);
      if (daily.length > 0) part.daily = daily;
      const { audience, reason } = mapAudience(account);
      if (audience) part.audience = audience;
      if (reason) part.unavailable = { audience: reason };
      return part;
    },
  };
}
