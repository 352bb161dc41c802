import { formatDuration, parseDuration } from './duration';

test.each([
  ['20s', 20_000],
  ['15m', 900_000],
  ['6h', 21_600_000],
  ['1d', 86_400_000],
  ['1h30m', 5_400_000],
  ['500ms', 500],
  [' 2h ', 7_200_000],
])('parses %s', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test.each(['', '6', 'h', '6 hours', '-5s', '0s', '1h foo', '10x'])(
  'rejects %p with a clear message',
  (text) => {
    expect(() => parseDuration(text)).toThrow(/duration/);
  },
);

test('formats back', () => {
  expect(formatDuration(21_600_000)).toBe('6h');
  expect(formatDuration(90_000)).toBe('1m30s');
  expect(formatDuration(parseDuration('1d2h3m4s5ms'))).toBe('1d2h3m4s5ms');
});
