import { dateTicks, dayNumber, formatCount, formatDay, linearScale, niceStep, niceTicks } from './scale';

describe('linearScale', () => {
  test('maps the domain onto the range, inverted ranges included', () => {
    const s = linearScale([0, 100], [10, 210]);
    expect(s(0)).toBe(10);
    expect(s(50)).toBe(110);
    expect(s(100)).toBe(210);
    const y = linearScale([0, 10], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(75);
  });

  test('a zero-width domain (one point) maps to the middle of the range', () => {
    expect(linearScale([5, 5], [0, 100])(5)).toBe(50);
  });
});

describe('niceTicks', () => {
  test('round steps of 1, 2, 2.5 or 5 × 10ⁿ that enclose the data, from 0', () => {
    expect(niceStep(1000, 4)).toBe(250);
    expect(niceStep(9, 4)).toBe(2.5);
    expect(niceStep(70, 4)).toBe(20);
    expect(niceTicks(120, 980)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(3, 7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  test('negative values extend the axis below zero', () => {
    expect(niceTicks(-40, 60)).toEqual([-50, -25, 0, 25, 50, 75]);
  });

  test('a trend axis may leave out zero so small changes stay visible', () => {
    expect(niceTicks(12_000, 12_050, 4, false)).toEqual([12_000, 12_020, 12_040, 12_060]);
    expect(niceTicks(500, 500, 4, false)).toEqual([450, 475, 500, 525, 550]);
  });

  test('all zeros or no spread still gives an axis one unit tall', () => {
    expect(niceTicks(0, 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceStep(0, 4)).toBe(1);
  });
});

describe('labels', () => {
  test('counts are shortened on axes', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1250)).toBe('1.3k');
    expect(formatCount(34_000)).toBe('34k');
    expect(formatCount(1_500_000)).toBe('1.5M');
    expect(formatCount(2_000_000_000)).toBe('2B');
    expect(formatCount(0.25)).toBe('0.3');
  });

  test('days: UTC day numbers, short labels with an optional year', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('2026-12-03') - dayNumber('2026-11-30')).toBe(3);
    expect(dayNumber('yesterday')).toBeNaN();
    expect(formatDay('2026-12-03')).toBe('3 Dec');
    expect(formatDay('2026-01-31', true)).toBe('31 Jan 2026');
  });

  test('date ticks: at most max, evenly spaced, first and last always; one or none pass through', () => {
    const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const ticks = dateTicks(days, 4);
    expect(ticks).toEqual(['2026-11-01', '2026-11-11', '2026-11-20', '2026-11-30']);
    expect(dateTicks(['2026-11-01'], 4)).toEqual(['2026-11-01']);
    expect(dateTicks([], 4)).toEqual([]);
    expect(dateTicks(days.slice(0, 3), 4)).toEqual(days.slice(0, 3));
  });
});
