/**
 * The optional second authorization's part of `syncAccount` (TikTok Business API: daily history and audience).
 * Its tokens live in their own token store slot and are refreshed under their own lease (token-refresh.ts). Its
 * failures never fail the sync: an expired token is refreshed once; a refused refresh marks only this part
 * `needs_reauth`; throttling, outages and bad answers are recorded under `unavailable` and in the connection
 * document's `business` field, and the audience stored by an earlier sync is kept rather than erased.
 */
import { isPlatformError } from '../platforms/errors';
import type { AccountPart, AccountSnapshot, SecondaryAuthorization, TokenSet } from '../platforms/types';
import type { Logger } from '../shared/logger';
import { loadReadableTokens } from '../store/token-store';
import type { ConnectionBusiness, ConnectionDoc, TokenStore } from '../store/types';
import type { ConnectionKey } from '../domain';
import { createTokenRefresher, type TokenRefreshSettings } from './token-refresh';

export interface BusinessFetchDeps {
  tokenStore: TokenStore;
  logger: Logger;
  now: () => number;
  tokenRefresh?: Partial<TokenRefreshSettings>;
}

export interface BusinessOutcome {
  /** What the business read adds (absent after a failure). */
  part?: AccountPart;
  /** The `business` field of the connection document. */
  state: ConnectionBusiness;
  /** Why the read failed, for `unavailable`. */
  failure?: string;
}

/** Keys of `unavailable` this part fills. */
export const BUSINESS_UNAVAILABLE = { audience: 'audience', daily: 'daily' } as const;

function reasonOf(err: unknown): string {
  if (isPlatformError(err)) {
    const what =
      err.kind === 'rate_limited'
        ? 'TikTok Business API rate limit reached; retried on the next sync'
        : err.kind === 'reauth_required'
          ? 'the TikTok Business authorization was revoked or expired; connect it again'
          : err.kind === 'transient'
            ? 'TikTok Business API unavailable; retried on the next sync'
            : 'TikTok Business API refused the request';
    return `${what} (${err.platformCode ?? err.status ?? err.kind})`;
  }
  return 'TikTok Business API read failed';
}

export function createBusinessFetch(deps: BusinessFetchDeps) {
  const log = deps.logger.child({ module: 'business-account' });

  return async function fetchBusiness(req: {
    key: ConnectionKey;
    business: SecondaryAuthorization;
    range: { since: Date; until: Date };
  }): Promise<BusinessOutcome | undefined> {
    const { key, business } = req;
    const store = deps.tokenStore.forSlot?.(business.slot);
    if (!store) return undefined;
    const { tokens: stored } = await loadReadableTokens(store, key, log);
    if (!stored) return undefined;
    const refresher = createTokenRefresher({
      tokenStore: store,
      platformRefresh: (_key, tokens) => business.oauth.refresh(tokens),
      now: deps.now,
      logger: log,
      settings: deps.tokenRefresh,
    });
    let tokens: TokenSet = stored;
    let refreshed = false;
    try {
      if (tokens.expiresAt !== undefined && tokens.expiresAt <= deps.now()) {
        tokens = await refresher.refresh(key, tokens);
        refreshed = true;
      }
      let part: AccountPart;
      try {
        part = await business.fetchAccount(tokens, req.range);
      } catch (err) {
        if (!isPlatformError(err, 'token_expired') || refreshed) throw err;
        tokens = await refresher.refresh(key, tokens);
        part = await business.fetchAccount(tokens, req.range);
      }
      return { part, state: { status: 'connected', error: null } };
    } catch (err) {
      const failure = reasonOf(err);
      // Facts only: the error object could carry request details.
      log.warn(
        { userId: key.userId, platform: key.platform, slot: business.slot, failure },
        'business account read failed; the rest of the sync goes on',
      );
      const status: ConnectionBusiness['status'] = isPlatformError(err, 'reauth_required')
        ? 'needs_reauth'
        : isPlatformError(err) && err.retryable
          ? 'connected'
          : 'error';
      return { state: { status, error: failure }, failure };
    }
  };
}

/**
 * The snapshot with the business part merged in. A part for another account than the connection's (the user
 * consented with a different TikTok login) is dropped and reported. After a failure the previously stored
 * audience stays (the sink would otherwise remove it) and the reason is recorded.
 */
export function mergeBusiness(
  snapshot: Omit<AccountSnapshot, 'usage'>,
  outcome: BusinessOutcome,
  previous: Pick<ConnectionDoc, 'audience'> | undefined,
): { account: Omit<AccountSnapshot, 'usage'>; state: ConnectionBusiness } {
  const { part } = outcome;
  const unavailable = { ...(snapshot.unavailable ?? {}) };
  let state = outcome.state;
  let account = snapshot;
  const otherAccount =
    part?.username !== undefined && part.username !== snapshot.profile.username ? part.username : undefined;
  if (part && !otherAccount) {
    account = {
      ...snapshot,
      ...(part.daily ? { daily: [...(snapshot.daily ?? []), ...part.daily] } : {}),
      ...(part.audience ? { audience: part.audience } : {}),
      ...(part.insights ? { insights: { ...(snapshot.insights ?? {}), ...part.insights } } : {}),
    };
    Object.assign(unavailable, part.unavailable ?? {});
  } else {
    const reason = otherAccount
      ? `the TikTok Business authorization is for @${otherAccount}, not @${snapshot.profile.username}; connect it again with this account`
      : (outcome.failure ?? 'TikTok Business API read failed');
    if (otherAccount) state = { status: 'needs_reauth', error: reason };
    unavailable[BUSINESS_UNAVAILABLE.daily] = reason;
    unavailable[BUSINESS_UNAVAILABLE.audience] = reason;
    if (!otherAccount && previous?.audience && !snapshot.audience) {
      account = { ...snapshot, audience: previous.audience };
    }
  }
  if (Object.keys(unavailable).length > 0) account = { ...account, unavailable };
  return { account, state };
}
