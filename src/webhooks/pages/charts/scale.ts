/**
 * Scales and ticks for the dashboard's server-rendered SVG charts: pure arithmetic, no DOM. A scale maps a domain
 * of values onto a pixel range; ticks are "nice" round values (1, 2, 5 × 10ⁿ) that cover the domain, so axis labels
 * read as 0, 500, 1,000 rather than 0, 437, 874.
 */

export interface LinearScale {
  domain: readonly [number, number];
  range: readonly [number, number];
  (value: number): number;
}

/** A linear scale; a zero-width domain (one point, or all values equal) maps everything to the middle of the range. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) =>
    span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0)) as LinearScale;
  Object.assign(scale, { domain, range });
  return scale;
}

/** The round step (1, 2, 2.5 or 5 × 10ⁿ) that splits `span` into about `count` intervals. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * Round tick values covering `[min, max]`. Bars start at 0 (`includeZero`, the default: a bar's length is its
 * value); a trend line may not, so a change from 12,000 to 12,050 followers stays visible. The first and last tick
 * enclose the data, so the chart's domain is `[ticks[0], ticks.at(-1)]`.
 */
export function niceTicks(min: number, max: number, count = 4, includeZero = true): number[] {
  let lo = includeZero ? Math.min(0, min) : min;
  let hi = includeZero ? Math.max(0, max) : max;
  if (lo === hi) {
    // No spread (one point, or all equal): one unit tall, or a band around the value.
    if (lo === 0 || includeZero) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
    else [lo, hi] = [lo - Math.max(1, Math.abs(lo) * 0.1), hi + Math.max(1, Math.abs(hi) * 0.1)];
  }
  const step = niceStep(hi - lo, count);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Integer multiples of the step avoid drift from repeated float addition (0.1 + 0.2…).
  for (let i = Math.round(lo / step); i <= Math.round(hi / step); i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

/** Axis label of a count: 950, 1.2k, 34k, 1.5M (the data table beside the chart has the exact numbers). */
export function formatCount(value: number): string {
  const abs = Math.abs(value);
  const short = (n: number, suffix: string) => `${Number(n.toFixed(n < 10 ? 1 : 0))}${suffix}`;
  if (abs >= 1e9) return short(value / 1e9, 'B');
  if (abs >= 1e6) return short(value / 1e6, 'M');
  if (abs >= 1e3) return short(value / 1e3, 'k');
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Days since the epoch of a `YYYY-MM-DD` date (UTC); NaN for anything else. */
export function dayNumber(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return Number.NaN;
  return Date.parse(`${date}T00:00:00Z`) / 86_400_000;
}

/** `2026-12-03` → `3 Dec`; with `withYear`, `3 Dec 2026`. */
export function formatDay(date: string, withYear = false): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1] ?? '?'}${withYear ? ` ${y}` : ''}`;
}

/**
 * Which of the (sorted) dates get a label on a date axis: at most `max`, evenly spaced, always the first and the
 * last. One date gives one label; none gives none.
 */
export function dateTicks(dates: readonly string[], max = 5): string[] {
  if (dates.length <= max) return [...dates];
  const picked = new Set<number>();
  const slots = Math.max(2, max);
  for (let i = 0; i < slots; i++) picked.add(Math.round((i * (dates.length - 1)) / (slots - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => dates[i]!);
}
