import { charge, emptyBudget, prune, remaining, waitMsFor } from './budget';

const HOUR = 3_600_000;

describe('rate budget', () => {
  const windows = [
    { bucket: '*', limit: 10, windowMs: HOUR },
    { bucket: 'users/:id/tweets', limit: 4, windowMs: 15 * 60_000 },
  ];

  it('charges the named bucket and the catch-all with what the connector reported', () => {
    const state = charge(emptyBudget(windows), 1_000, { 'users/:id/tweets': 2, 'users/me': 1 });
    expect(remaining(state, 1_000)).toEqual({ '*': 7, 'users/:id/tweets': 2 });
  });

  it('charges every bucket with a plain count (a failed call that could not report usage)', () => {
    const state = charge(emptyBudget(windows), 1_000, 3);
    expect(remaining(state, 1_000)).toEqual({ '*': 7, 'users/:id/tweets': 1 });
  });

  it('merges entries made at the same instant so the state stays small', () => {
    let state = emptyBudget(windows);
    for (let i = 0; i < 5; i++) state = charge(state, 5_000, { other: 1 });
    expect(state.used['*']).toEqual([{ at: 5_000, calls: 5 }]);
  });

  it('frees calls as they leave the window', () => {
    let state = charge(emptyBudget(windows), 0, { 'users/:id/tweets': 4 });
    expect(remaining(state, 15 * 60_000 - 1)['users/:id/tweets']).toBe(0);
    expect(remaining(state, 15 * 60_000)['users/:id/tweets']).toBe(4);
    state = prune(state, 15 * 60_000);
    expect(state.used['users/:id/tweets']).toBeUndefined();
    expect(state.used['*']).toEqual([{ at: 0, calls: 4 }]);
  });

  it('says how long to wait until enough calls fit in every bucket', () => {
    let state = charge(emptyBudget(windows), 0, { 'users/:id/tweets': 3 });
    state = charge(state, 60_000, { 'users/:id/tweets': 1 });
    expect(waitMsFor(state, 60_000, 1)).toBe(15 * 60_000 + 1 - 60_000);
    // Two calls fit once the first entry (3 calls) left; four need both entries gone.
    expect(waitMsFor(state, 60_000, 2)).toBe(15 * 60_000 + 1 - 60_000);
    expect(waitMsFor(state, 60_000, 4)).toBe(15 * 60_000 + 60_000 + 1 - 60_000);
    expect(waitMsFor(state, 16 * 60_000 + 1, 4)).toBe(0);
  });

  it('never promises more than a whole window allows', () => {
    expect(waitMsFor(emptyBudget(windows), 0, 5)).toBe(Number.POSITIVE_INFINITY);
    expect(waitMsFor(emptyBudget(windows), 0, 4)).toBe(0);
  });

  it('takes the longest wait across buckets', () => {
    let state = charge(emptyBudget(windows), 0, { other: 10 });
    expect(waitMsFor(state, 1_000, 1)).toBe(HOUR + 1 - 1_000);
    state = charge(emptyBudget(windows), 0, 1);
    expect(waitMsFor(state, 0, 1)).toBe(0);
  });
});
