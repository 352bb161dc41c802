import { pendingEstimate } from './sync';

test('pendingEstimate: the total minus what the walk chain covered, at least one while a walk was cut', () => {
  expect(pendingEstimate({ total: 240, covered: 100 })).toBe(140);
  expect(pendingEstimate({ total: 100, covered: 100 })).toBe(1); // the profile count lags: still something left
  expect(pendingEstimate({ total: null, covered: 30 })).toBe(1); // no total (e.g. stories)
});
