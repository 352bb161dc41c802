import { PlatformError } from '../platforms/errors';
import type { AccountSnapshot, SecondaryAuthorization, TokenSet } from '../platforms/types';
import { silentLogger } from '../shared/logger';
import type { TokenStore } from '../store/types';
import { createBusinessFetch, mergeBusiness } from './business-account';

const key = { userId: 'u1', platform: 'tiktok' as const };
const snapshot: Omit<AccountSnapshot, 'usage'> = {
  accountId: 'open-1',
  profile: { username: 'kiki', displayName: 'Kiki', followers: 500 },
  insights: { followers: 500 },
};
const NOW = 1_000_000;

/** In-memory slot store: only what the business read touches. */
function memoryStore(initial?: TokenSet): TokenStore & { saved: TokenSet[] } {
  let current = initial;
  const saved: TokenSet[] = [];
  const slot: TokenStore = {
    save: async (_k, t) => {
      current = t;
      saved.push(t);
    },
    load: async () => current,
    delete: async () => {
      current = undefined;
    },
    rotateKeys: async () => 0,
    acquireRefreshLease: async () => true,
    releaseRefreshLease: async () => undefined,
  };
  return { ...slot, forSlot: () => slot, saved };
}

const token = (over: Partial<TokenSet> = {}): TokenSet => ({
  accessToken: 'act.1',
  refreshToken: 'rft.1',
  expiresAt: NOW + 3_600_000,
  scopes: ['user.insights'],
  accountId: 'biz-1',
  issuedAt: NOW - 1000,
  ...over,
});

function business(
  fetch: SecondaryAuthorization['fetchAccount'],
  refresh?: (t: TokenSet) => Promise<TokenSet>,
) {
  return {
    slot: 'business',
    oauth: {
      refresh: refresh ?? (async (t: TokenSet) => ({ ...t, accessToken: 'act.2', refreshToken: 'rft.2' })),
    },
    fetchAccount: fetch,
  } as unknown as SecondaryAuthorization;
}

const range = { since: new Date(NOW - 86_400_000), until: new Date(NOW) };
const err = (kind: PlatformError['kind'], code: number) =>
  new PlatformError(kind, 'x', {
    platform: 'tiktok',
    endpoint: 'GET /open_api/v1.3/business/get/',
    platformCode: code,
  });

describe('fetchBusiness', () => {
  it('does nothing without a stored business grant', async () => {
    const fetchBusiness = createBusinessFetch({
      tokenStore: memoryStore(),
      logger: silentLogger,
      now: () => NOW,
    });
    expect(
      await fetchBusiness({ key, business: business(async () => ({ usage: {} })), range }),
    ).toBeUndefined();
  });

  it('refreshes once on an expired token and saves the rotated grant', async () => {
    const store = memoryStore(token());
    const fetchBusiness = createBusinessFetch({ tokenStore: store, logger: silentLogger, now: () => NOW });
    let calls = 0;
    const outcome = await fetchBusiness({
      key,
      business: business(async (t) => {
        calls += 1;
        if (t.accessToken === 'act.1') throw err('token_expired', 40105);
        return { usage: { 'business/get': 1 }, audience: { gender: { Female: 1 } } };
      }),
      range,
    });
    expect(calls).toBe(2);
    expect(outcome?.state).toEqual({ status: 'connected', error: null });
    expect(store.saved.map((t) => t.refreshToken)).toEqual(['rft.2']);
  });

  it('a refused refresh marks only the business part needs_reauth; throttling keeps it connected', async () => {
    const revoked = createBusinessFetch({
      tokenStore: memoryStore(token()),
      logger: silentLogger,
      now: () => NOW,
    });
    const outcome = await revoked({
      key,
      business: business(
        async () => {
          throw err('token_expired', 40105);
        },
        async () => {
          throw new PlatformError('reauth_required', 'revoked', { platform: 'tiktok', endpoint: 'refresh' });
        },
      ),
      range,
    });
    expect(outcome?.state.status).toBe('needs_reauth');
    expect(outcome?.failure).toMatch(/connect it again/);

    const throttled = createBusinessFetch({
      tokenStore: memoryStore(token()),
      logger: silentLogger,
      now: () => NOW,
    });
    const slow = await throttled({
      key,
      business: business(async () => {
        throw err('rate_limited', 40100);
      }),
      range,
    });
    expect(slow?.state).toEqual({ status: 'connected', error: expect.stringMatching(/40100/) });
  });
});

describe('mergeBusiness', () => {
  it('adds daily and audience and the part’s unavailable reasons', () => {
    const { account, state } = mergeBusiness(
      snapshot,
      {
        part: {
          usage: {},
          username: 'kiki',
          daily: [{ date: '2026-12-01', metrics: { video_views: 3 } }],
          unavailable: { audience: 'fewer than 100 followers' },
        },
        state: { status: 'connected', error: null },
      },
      undefined,
    );
    expect(account).toEqual({
      ...snapshot,
      daily: [{ date: '2026-12-01', metrics: { video_views: 3 } }],
      unavailable: { audience: 'fewer than 100 followers' },
    });
    expect(state.status).toBe('connected');
  });

  it('after a failure keeps the stored audience and says why; a grant for another account is refused', () => {
    const kept = mergeBusiness(
      snapshot,
      { state: { status: 'connected', error: 'slow' }, failure: 'rate limit (40100)' },
      { audience: { gender: { Male: 1 } } },
    );
    expect(kept.account.audience).toEqual({ gender: { Male: 1 } });
    expect(kept.account.unavailable).toEqual({ audience: 'rate limit (40100)', daily: 'rate limit (40100)' });

    const other = mergeBusiness(
      snapshot,
      {
        part: { usage: {}, username: 'someone.else', audience: { age: { '18-24': 1 } } },
        state: { status: 'connected', error: null },
      },
      undefined,
    );
    expect(other.account.audience).toBeUndefined();
    expect(other.state.status).toBe('needs_reauth');
    expect(other.account.unavailable?.audience).toMatch(/@someone\.else/);
  });
});
