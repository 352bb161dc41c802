/** The refresh coordination of finding 6 of issue 14, over an in-memory store and platform (pure logic). */
import { isPlatformError, PlatformError } from '../platforms/errors';
import type { TokenSet } from '../platforms/types';
import { silentLogger, type Logger } from '../shared/logger';
import type { RefreshLeaseRequest } from '../store/types';
import { createTokenRefresher, type TokenRefresherDeps } from './token-refresh';
import type { ConnectionKey } from '../domain';

const key: ConnectionKey = { userId: 'u1', platform: 'twitter' };
const NOW = 1_000_000;

function token(n: number, expiresAt = NOW + 7_200_000): TokenSet {
  return {
    accessToken: `AT${n}`,
    refreshToken: `RT${n}`,
    expiresAt,
    scopes: ['offline.access'],
    accountId: 'acct',
    issuedAt: 0,
  };
}

/** One connection's stored token and lease, a platform that rotates refresh tokens, and a fake wall clock. */
function world(stored: TokenSet | undefined) {
  const state = {
    stored,
    lease: undefined as { holder: string; expiresAt: number } | undefined,
    wall: 0,
    platformCalls: [] as string[],
    saveFailures: 0,
    saves: 0,
    /** Refresh tokens the platform still accepts. */
    live: new Set(stored?.refreshToken ? [stored.refreshToken] : []),
    next: 100,
  };
  const logs: string[] = [];
  const logger = {
    ...silentLogger,
    child: () => logger,
    info: (_o: unknown, msg: string) => void logs.push(msg),
    warn: (_o: unknown, msg: string) => void logs.push(msg),
    error: (o: unknown, msg: string) => void logs.push(`${msg} ${JSON.stringify(o)}`),
  } as unknown as Logger;
  const deps: TokenRefresherDeps = {
    tokenStore: {
      load: async () => state.stored,
      save: async (_k, t) => {
        if (state.saveFailures > 0) {
          state.saveFailures -= 1;
          throw new Error('DEADLINE_EXCEEDED');
        }
        state.saves += 1;
        state.stored = t;
      },
      acquireRefreshLease: async (_k, { holder, ttlMs }: RefreshLeaseRequest) => {
        if (state.lease && state.lease.expiresAt > state.wall) return false;
        state.lease = { holder, expiresAt: state.wall + ttlMs };
        return true;
      },
      releaseRefreshLease: async (_k, holder) => {
        if (state.lease?.holder === holder) state.lease = undefined;
      },
    },
    platformRefresh: async (_k, t) => {
      state.platformCalls.push(t.refreshToken!);
      if (!state.live.delete(t.refreshToken!))
        throw new PlatformError('reauth_required', 'invalid_grant', {
          platform: 'twitter',
          endpoint: 'POST /2/oauth2/token',
        });
      const fresh = { ...token(state.next++), accountId: '' };
      state.live.add(fresh.refreshToken!);
      return fresh;
    },
    now: () => NOW,
    wallNow: () => state.wall,
    sleep: async (ms) => void (state.wall += ms),
    logger,
    settings: { leaseTtlMs: 10_000, waitMs: 1_000, pollMs: 100, saveRetryDelaysMs: [10, 20] },
  };
  return { state, deps, logs };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('token refresh under the connection lease (finding 6 of issue 14)', () => {
  it('the holder spends the stored refresh token once, saves the rotated one and gives the lease back', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    const fresh = await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.platformCalls).toEqual(['RT1']);
    expect(fresh).toEqual({ ...token(100), accountId: 'acct' }); // the account id kept when the platform omits it
    expect(state.stored).toEqual(fresh);
    expect(state.lease).toBeUndefined();
  });

  it('refreshes the newest stored grant, not the stale copy the caller holds', async () => {
    const { state, deps } = world(token(2, NOW - 1));
    state.live.add('RT1'); // even if the platform still took it, the stored one is the one to spend
    await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.platformCalls).toEqual(['RT2']);
  });

  it('a lease held by another process: waits, then takes the token it stored, never calling the platform', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.lease = { holder: 'other', expiresAt: 10_000 };
    const sleep = deps.sleep!;
    deps.sleep = async (ms) => {
      await sleep(ms);
      if (state.wall >= 300) state.stored = token(7); // the holder saved its rotated token
    };
    const fresh = await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(fresh).toEqual(token(7));
    expect(state.platformCalls).toEqual([]);
    expect(state.lease?.holder).toBe('other');
  });

  it('a lease released without a new token (its holder failed): the waiter takes it and refreshes', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.lease = { holder: 'other', expiresAt: 10_000 };
    const sleep = deps.sleep!;
    deps.sleep = async (ms) => {
      await sleep(ms);
      state.lease = undefined;
    };
    await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.platformCalls).toEqual(['RT1']);
  });

  it('an expired lease (crashed holder) is taken over', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.lease = { holder: 'crashed', expiresAt: 0 };
    await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.platformCalls).toEqual(['RT1']);
    expect(state.lease).toBeUndefined();
  });

  it('a lease held past the wait fails transient (retried later) and spends nothing', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.lease = { holder: 'slow', expiresAt: 10_000 };
    const err = await failure(createTokenRefresher(deps).refresh(key, token(1, NOW - 1)));
    expect(isPlatformError(err, 'transient')).toBe(true);
    expect(state.platformCalls).toEqual([]);
    expect(state.stored).toEqual(token(1, NOW - 1));
  });

  it('the save of rotated tokens is retried: two store failures, then saved', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.saveFailures = 2;
    const fresh = await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.stored).toEqual(fresh);
    expect(state.platformCalls).toEqual(['RT1']);
  });

  it('a save that keeps failing is reported (without the token) and the lease is still given back', async () => {
    const { state, deps, logs } = world(token(1, NOW - 1));
    state.saveFailures = 3;
    const err = await failure(createTokenRefresher(deps).refresh(key, token(1, NOW - 1)));
    expect((err as Error).message).toBe('DEADLINE_EXCEEDED');
    expect(state.saves).toBe(0);
    expect(state.lease).toBeUndefined();
    expect(logs.join('\n')).toContain('could not be saved');
    expect(logs.join('\n')).not.toContain('AT100');
    expect(logs.join('\n')).not.toContain('RT100');
  });

  it('refused as reauth while a newer token was stored meanwhile: that token is used, no reauth', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.live.clear(); // someone outside the lease already spent RT1 ...
    deps.platformRefresh = async (k, t) => {
      state.stored = token(9); // ... and stored what it got, just as our call went out
      return world(undefined).deps.platformRefresh(k, t);
    };
    expect(await createTokenRefresher(deps).refresh(key, token(1, NOW - 1))).toEqual(token(9));
  });

  it('refused as reauth with a newer but expired token stored: that one is refreshed once', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.live = new Set(['RT9']);
    const platform = deps.platformRefresh;
    deps.platformRefresh = async (k, t) => {
      if (t.refreshToken === 'RT1') state.stored = token(9, NOW - 1);
      return platform(k, t);
    };
    const fresh = await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.platformCalls).toEqual(['RT1', 'RT9']);
    expect(state.stored).toEqual(fresh);
  });

  it('refused as reauth and nothing newer stored: reauth_required stands', async () => {
    const { state, deps } = world(token(1, NOW - 1));
    state.live.clear();
    const err = await failure(createTokenRefresher(deps).refresh(key, token(1, NOW - 1)));
    expect(isPlatformError(err, 'reauth_required')).toBe(true);
    expect(state.platformCalls).toEqual(['RT1']);
    expect(state.lease).toBeUndefined();
  });

  it('a lease that cannot be released does not fail the refresh', async () => {
    const { state, deps, logs } = world(token(1, NOW - 1));
    deps.tokenStore.releaseRefreshLease = async () => {
      throw new Error('UNAVAILABLE');
    };
    const fresh = await createTokenRefresher(deps).refresh(key, token(1, NOW - 1));
    expect(state.stored).toEqual(fresh);
    expect(logs).toContain('refresh lease not released');
  });
});
