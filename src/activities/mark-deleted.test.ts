/** markItemsDeleted skips item ids no document can have instead of failing the sync (finding 2 of issue 14). */
import type { ItemKind } from '../platforms/types';
import { silentLogger, type Logger } from '../shared/logger';
import type { SyncSink, TokenStore } from '../store/types';
import type { SchedulePauser } from './types';
import { createActivities } from './index';
import type { ConnectionKey } from '../domain';

describe('finding 2: markItemsDeleted', () => {
  function activities() {
    const marked: string[][] = [];
    const warnings: unknown[] = [];
    const logger = {
      ...silentLogger,
      child: () => logger,
      warn: (fields: unknown) => void warnings.push(fields),
    } as unknown as Logger;
    const sink = {
      markDeleted: async (_key: ConnectionKey, _kind: ItemKind, ids: string[]) => void marked.push(ids),
    } as unknown as SyncSink;
    const created = createActivities({
      connectors: {},
      sink,
      tokenStore: {} as TokenStore,
      schedules: {} as SchedulePauser,
      logger,
    });
    return { activities: created, marked, warnings };
  }
  const key: ConnectionKey = { userId: 'u1', platform: 'twitter' };

  it('marks the valid ids and skips the invalid ones, logging only their number', async () => {
    const { activities: a, marked, warnings } = activities();
    const count = await a.markItemsDeleted({ key, kind: 'tweets', ids: ['1', 'a/b', '__x__', '2'] });
    expect(count).toBe(2);
    expect(marked).toEqual([['1', '2']]);
    expect(warnings).toEqual([{ userId: 'u1', platform: 'twitter', kind: 'tweets', skipped: 2 }]);
  });

  it('only invalid ids: nothing is written and the sync goes on', async () => {
    const { activities: a, marked } = activities();
    expect(await a.markItemsDeleted({ key, kind: 'tweets', ids: ['..'] })).toBe(0);
    expect(marked).toEqual([]);
  });
});
