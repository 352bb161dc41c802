/**
 * Refreshing a connection's token safely across processes (finding 6 of issue 14). Rotating refresh tokens (X,
 * TikTok) are single use: if two workers, or a retry overlapping a crashed attempt, both spend the stored one, the
 * second is refused and the connection would land in `needs_reauth`. So:
 * - only the holder of the connection's refresh lease (token-store.ts) calls the platform; the others wait briefly
 *   and re-read the token the holder saves; a lease whose holder crashed expires and is taken over;
 * - the freshly rotated tokens are saved with a few retries (the old ones are already dead at the platform);
 * - a refresh refused as `reauth_required` re-reads the stored token once: if someone else rotated it meanwhile,
 *   that token is used instead of declaring reauth.
 */
import { randomUUID } from 'node:crypto';
import { isPlatformError, PlatformError } from '../platforms/errors';
import type { TokenSet } from '../platforms/types';
import type { Logger } from '../shared/logger';
import type { TokenStore } from '../store/types';
import type { ConnectionKey } from '../domain';

export interface TokenRefreshSettings {
  /**
   * How long a lease protects a refresh: longer than one refresh can take (the platform call's timeout plus the
   * saves), so a live holder keeps it; a crashed holder blocks the connection's refreshes at most this long.
   */
  leaseTtlMs: number;
  /** How long a process waits for another's refresh before failing transient (Temporal retries it later). */
  waitMs: number;
  /** Pause between looks at the lease and the stored token while waiting. */
  pollMs: number;
  /** Delays between attempts to save freshly rotated tokens (their number + 1 attempts in all). */
  saveRetryDelaysMs: number[];
}

export const DEFAULT_TOKEN_REFRESH: TokenRefreshSettings = {
  leaseTtlMs: 45_000,
  waitMs: 8_000,
  pollMs: 250,
  saveRetryDelaysMs: [200, 1_000, 3_000],
};

export interface TokenRefresherDeps {
  tokenStore: Pick<TokenStore, 'load' | 'save' | 'acquireRefreshLease' | 'releaseRefreshLease'>;
  /** The platform's refresh (connector.oauth.refresh). */
  platformRefresh(key: ConnectionKey, tokens: TokenSet): Promise<TokenSet>;
  /** Token expiry time (the platform's clock: the sandbox clock in tests). */
  now(): number;
  /** Wall-clock time for waiting on another process (default `Date.now`). */
  wallNow?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger: Logger;
  settings?: Partial<TokenRefreshSettings>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Both tokens equal: the same grant, not rotated since. */
function sameGrant(a: TokenSet, b: TokenSet): boolean {
  return a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;
}

export function createTokenRefresher(deps: TokenRefresherDeps) {
  const settings = { ...DEFAULT_TOKEN_REFRESH, ...deps.settings };
  const wallNow = deps.wallNow ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const { tokenStore, logger: log } = deps;

  /** A token someone else refreshed since `tried` was read, still usable: take it instead of refreshing. */
  function rotatedElsewhere(stored: TokenSet | undefined, tried: TokenSet): stored is TokenSet {
    return (
      stored !== undefined &&
      stored.accessToken !== tried.accessToken &&
      (stored.expiresAt ?? Infinity) > deps.now()
    );
  }

  async function saveWithRetries(key: ConnectionKey, tokens: TokenSet): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await tokenStore.save(key, tokens);
        return;
      } catch (err) {
        const delay = settings.saveRetryDelaysMs[attempt];
        // Never the error object itself: a store error could carry the document it failed to write.
        const reason = err instanceof Error ? err.message : 'unknown error';
        if (delay === undefined) {
          log.error(
            { userId: key.userId, platform: key.platform, reason },
            'refreshed token could not be saved; the rotated grant is lost',
          );
          throw err;
        }
        log.warn(
          { userId: key.userId, platform: key.platform, reason, attempt },
          'token save failed; retrying',
        );
        await sleep(delay);
      }
    }
  }

  /** Under the lease: refresh the newest stored grant (not a stale copy), save it, and return it. */
  async function refreshHeld(
    key: ConnectionKey,
    tried: TokenSet,
    rereadOnRefusal: boolean,
  ): Promise<TokenSet> {
    const stored = await tokenStore.load(key);
    if (rotatedElsewhere(stored, tried)) return stored;
    const current = stored ?? tried;
    let fresh: TokenSet;
    try {
      fresh = await deps.platformRefresh(key, current);
    } catch (err) {
      if (!rereadOnRefusal || !isPlatformError(err, 'reauth_required')) throw err;
      // A writer outside the lease (a reconnect, a holder whose lease expired mid-call) may have rotated it.
      const again = await tokenStore.load(key);
      if (again === undefined || sameGrant(again, current)) throw err;
      log.info(
        { userId: key.userId, platform: key.platform },
        'refresh refused, but a newer token was stored meanwhile: using it',
      );
      return rotatedElsewhere(again, current) ? again : refreshHeld(key, again, false);
    }
    // Rotated refresh tokens replace the old one; keep the account id even if the platform omits it.
    const merged: TokenSet = {
      ...fresh,
      accountId: fresh.accountId || current.accountId,
      refreshToken: fresh.refreshToken ?? current.refreshToken,
    };
    await saveWithRetries(key, merged);
    log.info({ userId: key.userId, platform: key.platform, expiresAt: merged.expiresAt }, 'token refreshed');
    return merged;
  }

  /**
   * A refreshed token for `key`, whose last known token is `tried`: refreshed here under the connection's lease,
   * or the one another process refreshed meanwhile.
   */
  async function refresh(key: ConnectionKey, tried: TokenSet): Promise<TokenSet> {
    const deadline = wallNow() + settings.waitMs;
    for (;;) {
      const stored = await tokenStore.load(key);
      if (rotatedElsewhere(stored, tried)) return stored;
      const holder = randomUUID();
      if (await tokenStore.acquireRefreshLease(key, { holder, ttlMs: settings.leaseTtlMs })) {
        try {
          return await refreshHeld(key, stored ?? tried, true);
        } finally {
          // An unreleased lease only delays the next refresh until it expires: never fail the refresh for it.
          await tokenStore.releaseRefreshLease(key, holder).catch((err: unknown) => {
            const reason = err instanceof Error ? err.message : 'unknown error';
            log.warn({ userId: key.userId, platform: key.platform, reason }, 'refresh lease not released');
          });
        }
      }
      if (wallNow() >= deadline) {
        throw new PlatformError('transient', 'another process is refreshing this token; try again later', {
          platform: key.platform,
          endpoint: 'token refresh lease',
        });
      }
      await sleep(settings.pollMs);
    }
  }

  return { refresh };
}
