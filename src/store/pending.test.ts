import { pendingPatch, readPending } from './pending';

test('pendingPatch writes a whole count per kind, 0 to clear', () => {
  expect(pendingPatch({ posts: 180.4, stories: 0 })).toEqual({ pending: { posts: 180, stories: 0 } });
  expect(pendingPatch({ tweets: -3 })).toEqual({ pending: { tweets: 0 } });
});

test('readPending keeps only kinds with something pending, ignoring malformed values', () => {
  expect(readPending({ posts: 12, stories: 0, videos: ['a', 'b'] })).toEqual({ posts: 12 });
  expect(readPending(undefined)).toEqual({});
  expect(readPending('nonsense')).toEqual({});
});
