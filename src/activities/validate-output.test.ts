import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../domain';
import { isPlatformError, type PlatformError } from '../platforms/errors';
import type { AccountSnapshot, Item, PlatformConnector, TokenSet } from '../platforms/types';
import { silentLogger } from '../shared/logger';
import type { SyncSink, TokenStore } from '../store/types';
import type { ScheduleControl } from '../sync/schedules';
import { createActivities } from './index';
import { validateAccount, validateItems } from './validate-output';

const tweet: Item = {
  kind: 'tweets',
  id: '1880000000000000000',
  createdAt: '2026-01-02T03:04:05.000Z',
  text: 'hello',
  metrics: { likes: 3, impressions: 40 },
};

function thrown(fn: () => void): PlatformError {
  try {
    fn();
  } catch (err) {
    if (isPlatformError(err)) return err;
    throw err;
  }
  throw new Error('expected a PlatformError');
}

describe('validateItems', () => {
  it('accepts items of the kind with contract metric names (absent metrics are fine)', () => {
    expect(() =>
      validateItems('twitter', 'tweets', [tweet, { ...tweet, id: '2', metrics: {} }]),
    ).not.toThrow();
    expect(() =>
      validateItems('instagram', 'stories', [
        {
          ...tweet,
          kind: 'stories',
          metrics: { replies: 1, navigation: 9 },
          attributes: { permalink: null },
        },
      ]),
    ).not.toThrow();
  });

  it('a metric name outside the contract is a permanent error naming it', () => {
    const err = thrown(() =>
      validateItems('twitter', 'tweets', [tweet, { ...tweet, metrics: { url_link_clicks: 2 } }]),
    );
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('"url_link_clicks"');
    expect(err.message).toContain(tweet.id);
    expect(err.endpoint).toBe('listItems(tweets)');
  });

  it('a story metric on a post, an item of another kind, or a broken model are permanent', () => {
    expect(
      thrown(() =>
        validateItems('instagram', 'posts', [{ ...tweet, kind: 'posts', metrics: { navigation: 1 } }]),
      ).message,
    ).toContain('"navigation"');
    expect(thrown(() => validateItems('tiktok', 'videos', [tweet])).message).toContain('kind "tweets"');
    expect(
      thrown(() => validateItems('twitter', 'tweets', [{ ...tweet, createdAt: 'yesterday' }])).message,
    ).toContain('"createdAt"');
    expect(thrown(() => validateItems('twitter', 'tweets', [{ ...tweet, id: '' }])).kind).toBe('permanent');
    expect(
      thrown(() => validateItems('twitter', 'tweets', [{ ...tweet, metrics: { likes: Number.NaN } }])).kind,
    ).toBe('permanent');
  });
});

describe('validateAccount', () => {
  const account: Omit<AccountSnapshot, 'usage'> = {
    accountId: '1784',
    profile: { username: 'u', displayName: null, followers: 10 },
    insights: { reach: 5 },
    daily: [{ date: '2026-01-01', metrics: { reach: 5 } }],
    audience: { age: { '18-24': 3 } },
  };

  it('accepts the canonical models, with optional parts absent', () => {
    expect(() => validateAccount('instagram', account)).not.toThrow();
    expect(() =>
      validateAccount('twitter', { accountId: '1', profile: { username: 'x', displayName: 'X' } }),
    ).not.toThrow();
  });

  it('rejects a broken profile, day, insights or audience as permanent', () => {
    const cases: [Omit<AccountSnapshot, 'usage'>, string][] = [
      [{ ...account, profile: { ...account.profile, followers: -1 } }, 'profile'],
      [{ ...account, daily: [{ date: '01/01/2026', metrics: {} }] }, 'daily 0'],
      [{ ...account, insights: { reach: Number.POSITIVE_INFINITY } }, 'insights'],
      [{ ...account, audience: { age: { '18-24': 'many' as unknown as number } } }, 'audience'],
      [{ ...account, accountId: '' }, 'accountId'],
    ];
    for (const [snapshot, what] of cases) {
      const err = thrown(() => validateAccount('instagram', snapshot));
      expect(err.kind).toBe('permanent');
      expect(err.message).toContain(what);
    }
  });
});

describe('the activities refuse invalid mapper output before writing', () => {
  const key = { userId: 'u1', platform: 'twitter' as const };
  const token: TokenSet = { accessToken: 'a', scopes: [], accountId: '1', issuedAt: 0 };

  function activitiesWith(connector: Partial<PlatformConnector>) {
    const writes: string[] = [];
    const sink = {
      writeItems: async (_k: unknown, _kind: unknown, items: Item[]) => (writes.push('items'), items.length),
      writeAccount: async () => void writes.push('account'),
    } as unknown as SyncSink;
    const tokenStore = { load: async () => token } as unknown as TokenStore;
    const activities = createActivities({
      connectors: { twitter: connector as PlatformConnector },
      sink,
      tokenStore,
      schedules: {} as ScheduleControl,
      logger: silentLogger,
    });
    return { activities, writes };
  }

  async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApplicationFailure) return err;
      throw err;
    }
    throw new Error('expected an ApplicationFailure');
  }

  it('syncItemsPage: a metric outside the contract fails permanent, nothing written', async () => {
    const { activities, writes } = activitiesWith({
      listItems: async () => ({ items: [{ ...tweet, metrics: { clicks: 1 } }], usage: { tweets: 1 } }),
    });
    const err = await failure(activities.syncItemsPage({ key, kind: 'tweets', syncId: 's1' }));
    expect(err.type).toBe(FailureType.permanent);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('"clicks"');
    expect(writes).toEqual([]);
  });

  it('syncItemsPage: valid output is written', async () => {
    const { activities, writes } = activitiesWith({
      listItems: async () => ({ items: [tweet], usage: { tweets: 1 } }),
    });
    expect((await activities.syncItemsPage({ key, kind: 'tweets', syncId: 's1' })).written).toBe(1);
    expect(writes).toEqual(['items']);
  });

  it('syncAccount: an invalid profile fails permanent, nothing written', async () => {
    const { activities, writes } = activitiesWith({
      fetchAccount: async () => ({
        accountId: '1',
        profile: { username: 'x', displayName: null, followers: 1.5 },
        usage: { 'users/me': 1 },
      }),
    });
    const err = await failure(activities.syncAccount({ key, since: 0, until: 1 }));
    expect(err.type).toBe(FailureType.permanent);
    expect(err.message).toContain('profile');
    expect(writes).toEqual([]);
  });
});
