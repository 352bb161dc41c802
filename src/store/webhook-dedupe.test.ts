/** The dedupe's coalescing of concurrent round trips (pure logic; the Firestore side is in test/store). */
import { Coalescer } from './webhook-dedupe';

/** A `send` that records what it was given and answers when the test says so. */
function recordingSend() {
  const sent: string[][] = [];
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const send = (items: string[]) => {
    sent.push(items);
    return new Promise<Map<string, number>>((resolve, reject) => {
      pending.push({
        resolve: () => resolve(new Map(items.map((i) => [i, i.length]))),
        reject,
      });
    });
  };
  return { sent, pending, send };
}

const items = (...paths: string[]) => paths.map((path) => ({ path, item: path }));
const turn = () => new Promise((r) => setImmediate(r));

it('sends the calls of one turn together, each path once, and answers every caller', async () => {
  const { sent, pending, send } = recordingSend();
  const c = new Coalescer(send);
  const a = c.submit(items('a', 'bb'));
  const b = c.submit(items('bb', 'ccc'));
  await turn();
  expect(sent).toEqual([['a', 'bb', 'ccc']]);
  pending[0]!.resolve();
  expect((await a).get('a')).toBe(1);
  expect((await b).get('ccc')).toBe(3);
});

it('keeps one round trip in flight: calls made meanwhile go together in the next', async () => {
  const { sent, pending, send } = recordingSend();
  const c = new Coalescer(send);
  const first = c.submit(items('a'));
  await turn();
  const second = c.submit(items('b'));
  const third = c.submit(items('c'));
  await turn();
  expect(sent).toEqual([['a']]);
  pending[0]!.resolve();
  await first;
  await turn();
  expect(sent).toEqual([['a'], ['b', 'c']]);
  pending[1]!.resolve();
  expect([...(await second).keys()]).toEqual(['b', 'c']);
  expect((await third).get('c')).toBe(1);
});

it('a failed round trip fails only the calls it carried; the next one goes out', async () => {
  const { sent, pending, send } = recordingSend();
  const c = new Coalescer(send);
  const failed = c.submit(items('a'));
  await turn();
  const later = c.submit(items('b'));
  pending[0]!.reject(new Error('emulator unavailable'));
  await expect(failed).rejects.toThrow('emulator unavailable');
  await turn();
  expect(sent).toEqual([['a'], ['b']]);
  pending[1]!.resolve();
  expect((await later).get('b')).toBe(1);
});

it('with gatherMs, calls made within that time after the first go in one round trip', async () => {
  jest.useFakeTimers();
  try {
    const { sent, pending, send } = recordingSend();
    const c = new Coalescer(send, 5);
    const a = c.submit(items('a'));
    await jest.advanceTimersByTimeAsync(3);
    const b = c.submit(items('b'));
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(2);
    expect(sent).toEqual([['a', 'b']]);
    pending[0]!.resolve();
    expect([(await a).get('a'), (await b).get('b')]).toEqual([1, 1]);
  } finally {
    jest.useRealTimers();
  }
});
