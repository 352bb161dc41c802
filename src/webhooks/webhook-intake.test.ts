import type { PlatformId, WebhookEvent } from '../platforms/types';
import { silentLogger } from '../shared/logger';
import type { AccountIndex } from '../store/types';
import type { SyncService } from '../sync/service';
import type { WebhookDedupe } from '../store';
import { chunkEvents, createWebhookIntake, groupByAccount, screenEvents } from './webhook-intake';
import type { ConnectionKey } from '../domain';

const event = (eventId: string, accountId: string): WebhookEvent => ({
  platform: 'instagram',
  eventId,
  accountId,
  type: 'item_changed',
  name: 'comments',
  itemKind: 'posts',
  itemId: `m-${eventId}`,
  occurredAt: '2026-11-30T10:00:00.000Z',
});

/** In-memory stand-ins: this test is about the intake rules, not about Firestore or Temporal. */
function world(index: Record<string, ConnectionKey[]>, opts: { failFor?: string } = {}) {
  const remembered = new Map<string, Set<string>>();
  const delivered: { key: ConnectionKey; ids: string[] }[] = [];
  const id = (k: ConnectionKey) => `${k.userId}/${k.platform}`;
  const accountIndex: AccountIndex = {
    put: async () => undefined,
    remove: async () => undefined,
    find: async (_p: PlatformId, accountId: string) => index[accountId] ?? [],
  };
  const dedupe: WebhookDedupe = {
    seen: async (key, ids) => new Set(ids.filter((i) => remembered.get(id(key))?.has(i))),
    remember: async (key, ids) => {
      const set = remembered.get(id(key)) ?? new Set<string>();
      ids.forEach((i) => set.add(i));
      remembered.set(id(key), set);
    },
  };
  const syncService = {
    deliverWebhookEvents: async (key: ConnectionKey, events: WebhookEvent[]) => {
      if (key.userId === opts.failFor) throw new Error('Temporal unavailable');
      delivered.push({ key, ids: events.map((e) => e.eventId) });
    },
  } as unknown as SyncService;
  return { deps: { accountIndex, dedupe, syncService, logger: silentLogger }, delivered, remembered };
}

describe('groupByAccount', () => {
  it('groups by account and drops repeated event ids inside one batch', () => {
    const groups = groupByAccount([event('1', 'a'), event('2', 'b'), event('1', 'a'), event('3', 'a')]);
    expect([...groups.keys()]).toEqual(['a', 'b']);
    expect(groups.get('a')!.map((e) => e.eventId)).toEqual(['1', '3']);
  });
});

describe('createWebhookIntake (delivery rules)', () => {
  const alice: ConnectionKey = { userId: 'alice', platform: 'instagram' };
  const bob: ConnectionKey = { userId: 'bob', platform: 'instagram' };

  it('delivers to every connection of the account, once, and skips redeliveries', async () => {
    const w = world({ acct1: [alice, bob] });
    const intake = createWebhookIntake(w.deps);
    const first = await intake('instagram', [event('e1', 'acct1'), event('e2', 'acct1')]);
    expect(first).toMatchObject({ delivered: 4, duplicates: 0, unknownAccount: 0 });
    expect(w.delivered).toEqual([
      { key: alice, ids: ['e1', 'e2'] },
      { key: bob, ids: ['e1', 'e2'] },
    ]);
    const again = await intake('instagram', [event('e2', 'acct1'), event('e3', 'acct1')]);
    expect(again).toMatchObject({ delivered: 2, duplicates: 2 });
    expect(w.delivered.slice(2).map((d) => d.ids)).toEqual([['e3'], ['e3']]);
  });

  it('reports unknown accounts without delivering anything', async () => {
    const w = world({});
    const outcome = await createWebhookIntake(w.deps)('instagram', [event('e1', 'ghost')]);
    expect(outcome).toMatchObject({ delivered: 0, unknownAccount: 1, unknownAccounts: ['ghost'] });
    expect(w.delivered).toEqual([]);
  });

  it('fails when a delivery fails, remembering only what was handed over so the retry delivers the rest', async () => {
    const w = world({ acct1: [alice], acct2: [bob] }, { failFor: 'bob' });
    await expect(
      createWebhookIntake(w.deps)('instagram', [event('e1', 'acct1'), event('e2', 'acct2')]),
    ).rejects.toThrow('Temporal unavailable');
    expect(w.remembered.get('alice/instagram')).toEqual(new Set(['e1']));
    expect(w.remembered.get('bob/instagram')).toBeUndefined();
  });
});

describe('createWebhookIntake (coalescing per connection)', () => {
  const alice: ConnectionKey = { userId: 'alice', platform: 'instagram' };

  /** A sync service whose hand-offs stay pending until released, so requests can pile up behind one. */
  function gatedWorld(index: Record<string, ConnectionKey[]>) {
    const w = world(index);
    const calls: { ids: string[]; release: (err?: Error) => void }[] = [];
    w.deps.syncService = {
      deliverWebhookEvents: (key: ConnectionKey, events: WebhookEvent[]) =>
        new Promise<void>((resolve, reject) => {
          calls.push({
            ids: events.map((e) => e.eventId),
            release: (err) => {
              if (err) return reject(err);
              w.delivered.push({ key, ids: events.map((e) => e.eventId) });
              resolve();
            },
          });
        }),
    } as unknown as SyncService;
    return { ...w, calls };
  }
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const settled = <T>(p: Promise<T>) => {
    const state = { done: false };
    void p.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  it('carries concurrent deliveries for one connection in one signal and answers each only after it', async () => {
    const w = gatedWorld({ acct1: [alice] });
    const intake = createWebhookIntake(w.deps, { windowMs: 1 });
    const requests = ['e1', 'e2', 'e3'].map((id) => intake('instagram', [event(id, 'acct1')]));
    const states = requests.map(settled);
    await tick();
    expect(w.calls.map((c) => c.ids)).toEqual([['e1', 'e2', 'e3']]);
    expect(states.some((s) => s.done)).toBe(false);

    w.calls[0]!.release();
    const outcomes = await Promise.all(requests);
    expect(outcomes.map((o) => o.delivered)).toEqual([1, 1, 1]);
    expect(w.remembered.get('alice/instagram')).toEqual(new Set(['e1', 'e2', 'e3']));
  });

  it('lets deliveries arriving during a signal join the next one; a repeat in one batch counts once', async () => {
    const w = gatedWorld({ acct1: [alice] });
    const intake = createWebhookIntake(w.deps, { windowMs: 1 });
    const first = intake('instagram', [event('e1', 'acct1')]);
    await tick();
    const later = [intake('instagram', [event('e2', 'acct1')]), intake('instagram', [event('e2', 'acct1')])];
    await tick();
    expect(w.calls).toHaveLength(1);
    w.calls[0]!.release();
    await first;
    await tick();
    expect(w.calls.map((c) => c.ids)).toEqual([['e1'], ['e2']]);
    w.calls[1]!.release();
    expect((await Promise.all(later)).map((o) => [o.delivered, o.duplicates])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('fails every request of a failed batch; their retry is delivered once and a replay is refused', async () => {
    const w = gatedWorld({ acct1: [alice] });
    const intake = createWebhookIntake(w.deps, { windowMs: 1 });
    const requests = [
      intake('instagram', [event('e1', 'acct1')]),
      intake('instagram', [event('e2', 'acct1')]),
    ];
    await tick();
    w.calls[0]!.release(new Error('Temporal unavailable'));
    const results = await Promise.allSettled(requests);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(w.remembered.get('alice/instagram')).toBeUndefined();

    const retry = intake('instagram', [event('e1', 'acct1'), event('e2', 'acct1')]);
    await tick();
    w.calls[1]!.release();
    expect(await retry).toMatchObject({ delivered: 2, duplicates: 0 });

    const replay = await intake('instagram', [event('e1', 'acct1')]);
    expect(replay).toMatchObject({ delivered: 0, duplicates: 1 });
    expect(w.calls).toHaveLength(2);
    expect(w.delivered.map((d) => d.ids)).toEqual([['e1', 'e2']]);
  });

  it('starts the due batches of all connections on one shared tick, so their dedupe reads go together', async () => {
    jest.useFakeTimers();
    try {
      const bob: ConnectionKey = { userId: 'bob', platform: 'instagram' };
      const w = gatedWorld({ acct1: [alice], acct2: [bob] });
      const reads: string[][] = [];
      const seen = w.deps.dedupe.seen;
      w.deps.dedupe = { ...w.deps.dedupe, seen: (key, ids) => (reads.push(ids), seen(key, ids)) };
      const intake = createWebhookIntake(w.deps, { windowMs: 10 });
      const first = intake('instagram', [event('e1', 'acct1')]);
      await jest.advanceTimersByTimeAsync(6);
      // Bob's batch opened 6 ms into the tick Alice's armed: it gathers a full window, until the tick after.
      const second = intake('instagram', [event('e2', 'acct2')]);
      await jest.advanceTimersByTimeAsync(4);
      expect(reads).toEqual([['e1']]);
      await jest.advanceTimersByTimeAsync(10);
      expect(reads).toEqual([['e1'], ['e2']]);

      // Both lanes busy; their next batches open, then the running ones end 2 ms apart: both wait for one tick.
      const third = intake('instagram', [event('e3', 'acct1')]);
      const fourth = intake('instagram', [event('e4', 'acct2')]);
      await jest.advanceTimersByTimeAsync(10);
      w.calls[0]!.release();
      await first;
      await jest.advanceTimersByTimeAsync(2);
      w.calls[1]!.release();
      await second;
      await jest.advanceTimersByTimeAsync(7);
      expect(reads).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads.slice(2).flat().sort()).toEqual(['e3', 'e4']);
      w.calls[2]!.release();
      w.calls[3]!.release();
      expect((await Promise.all([third, fourth])).map((o) => o.delivered)).toEqual([1, 1]);
      expect(w.remembered.get('bob/instagram')).toEqual(new Set(['e2', 'e4']));
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps batches bounded', async () => {
    const w = gatedWorld({ acct1: [alice] });
    const intake = createWebhookIntake(w.deps, { windowMs: 1, maxEvents: 2 });
    const requests = ['e1', 'e2', 'e3'].map((id) => intake('instagram', [event(id, 'acct1')]));
    await tick();
    expect(w.calls.map((c) => c.ids)).toEqual([['e1', 'e2']]);
    w.calls[0]!.release();
    await tick();
    expect(w.calls.map((c) => c.ids)).toEqual([['e1', 'e2'], ['e3']]);
    w.calls[1]!.release();
    await Promise.all(requests);
  });
});

describe('screening and chunking (issue 14)', () => {
  const alice: ConnectionKey = { userId: 'alice', platform: 'instagram' };
  const NOW = Date.parse('2026-12-01T00:00:00.000Z');

  it('finding 2: events whose item id cannot be a document id are dropped before the engine sees them', async () => {
    const w = world({ acct1: [alice] });
    const bad = ['', '/', 'a/b', '.', '..', '__x__', 'x'.repeat(1501)].map((itemId, i) => ({
      ...event(`bad-${i}`, 'acct1'),
      type: 'item_deleted' as const,
      itemId,
    }));
    const outcome = await createWebhookIntake({ ...w.deps, now: () => NOW }, { windowMs: 0 })('instagram', [
      ...bad,
      event('good', 'acct1'),
    ]);
    expect(outcome.delivered).toBe(1);
    expect(w.delivered).toEqual([{ key: alice, ids: ['good'] }]);
    // Nothing of the dropped events is remembered either: they never reach the engine, now or on redelivery.
    expect(w.remembered.get('alice/instagram')).toEqual(new Set(['good']));
  });

  it('finding 11: deletions and revocations older than the replay window are ignored; other old events pass', () => {
    const old = '2026-11-20T00:00:00.000Z';
    const events: WebhookEvent[] = [
      { ...event('del', 'a'), type: 'item_deleted', occurredAt: old },
      { ...event('rev', 'a'), type: 'authorization_revoked', itemId: undefined, occurredAt: old },
      { ...event('chg', 'a'), type: 'item_changed', occurredAt: old },
      { ...event('fresh-del', 'a'), type: 'item_deleted', occurredAt: '2026-11-30T23:00:00.000Z' },
    ];
    const { accepted, dropped } = screenEvents(events, { now: NOW, replayWindowMs: 7 * 86_400_000 });
    expect(accepted.map((e) => e.eventId)).toEqual(['chg', 'fresh-del']);
    expect(dropped).toEqual({ invalidItemId: 0, stale: 2 });
  });

  it('finding 11: a huge batch goes as several signals, each under the size limit, all remembered', async () => {
    const w = world({ acct1: [alice] });
    const many = Array.from({ length: 300 }, (_, i) => event(`e${i}`, 'acct1'));
    const maxSignalBytes = 8 * 1024;
    const outcome = await createWebhookIntake(w.deps, { windowMs: 0, maxSignalBytes })('instagram', many);
    expect(outcome.delivered).toBe(300);
    expect(w.delivered.length).toBeGreaterThan(1);
    expect(w.delivered.flatMap((d) => d.ids)).toEqual(many.map((e) => e.eventId));
    for (const d of w.delivered) {
      const size = Buffer.byteLength(JSON.stringify(many.filter((e) => d.ids.includes(e.eventId))));
      expect(size).toBeLessThanOrEqual(maxSignalBytes);
    }
    expect(w.remembered.get('alice/instagram')?.size).toBe(300);
    expect(chunkEvents(many, 100, 10 * 1024 * 1024).map((c) => c.length)).toEqual([100, 100, 100]);
  });
});
