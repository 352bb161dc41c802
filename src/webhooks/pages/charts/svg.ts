/**
 * Inline SVG charts for the dashboard, rendered on the server (the page's CSP forbids script): a date line chart
 * and a horizontal (stacked) bar chart. Pure functions from data to markup.
 *
 * Readable at phone width: the viewBox is about as wide as a phone (360 units), so at 390 px the 11-unit labels are
 * about 11 px; wider screens scale it up to the CSS max-width. Accessible: every chart is `role="img"` named by its
 * `<title>` and described by a `<desc>` that states the range, and is followed by a data table (in `<details>`)
 * with the exact numbers. Marks carry `data-point` / `data-bar` so tests can count them.
 */
import { escapeHtml } from '../../oauth-page';
import { dateTicks, dayNumber, formatCount, formatDay, linearScale, niceTicks } from './scale';

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

const WIDTH = 360;
const FONT = 11;

export interface DatePoint {
  /** `YYYY-MM-DD` (UTC day). */
  date: string;
  value: number;
}

export interface LineSeries {
  name: string;
  points: DatePoint[];
}

export interface LineChartInput {
  /** Stable id: `data-chart` and the ids of title and desc. */
  id: string;
  title: string;
  /** What the y axis counts ("accounts", "views"). */
  unit: string;
  series: LineSeries[];
  /** Shown instead of the chart when no series has a point. */
  emptyText: string;
}

export interface BarSegment {
  name: string;
  value: number;
}

export interface BarRow {
  label: string;
  /** Link of the label (e.g. the post on the platform). */
  href?: string;
  segments: BarSegment[];
  /** Text after the bar's total (e.g. "of 1,200 views · 4.1 %"). */
  note?: string;
}

export interface BarChartInput {
  id: string;
  title: string;
  unit: string;
  rows: BarRow[];
  emptyText: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const attr = (s: string) => escapeHtml(s);

function emptyChart(id: string, title: string, text: string): string {
  return `<figure class="chart" data-chart="${attr(id)}" data-empty="true"><figcaption>${escapeHtml(title)}</figcaption><p class="muted">${escapeHtml(text)}</p></figure>`;
}

function legend(names: readonly string[]): string {
  if (names.length < 2) return '';
  return `<ul class="legend">${names
    .map(
      (name, i) =>
        `<li><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${escapeHtml(name)}</li>`,
    )
    .join('')}</ul>`;
}

function dataTable(caption: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<details><summary>Data table</summary><table><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></details>`;
}

/** A line per series over calendar days (gaps between stored days keep their width); a dot per stored value. */
export function lineChart(input: LineChartInput): string {
  const series = input.series
    .map((s) => ({
      ...s,
      points: s.points
        .filter((p) => Number.isFinite(p.value) && Number.isFinite(dayNumber(p.date)))
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
    }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return emptyChart(input.id, input.title, input.emptyText);

  const dates = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort();
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  const ticks = niceTicks(Math.min(...values), Math.max(...values), 4, false);
  const yLabelWidth = Math.max(...ticks.map((t) => formatCount(t).length)) * 6.5 + 8;
  const left = Math.max(30, yLabelWidth);
  const top = 18;
  const height = 180;
  const bottom = height - 34;
  const right = WIDTH - 12;
  const x = linearScale([dayNumber(dates[0]!), dayNumber(dates.at(-1)!)], [left + 6, right - 6]);
  const y = linearScale([ticks[0]!, ticks.at(-1)!], [bottom, top]);
  const spansYears = dates[0]!.slice(0, 4) !== dates.at(-1)!.slice(0, 4);

  const grid = ticks
    .map(
      (t) =>
        `<line class="grid" x1="${left}" x2="${right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="tick" x="${left - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatCount(t)}</text>`,
    )
    .join('');
  const xLabels = dateTicks(dates, 4)
    .map((d) => {
      const px = x(dayNumber(d));
      const anchor =
        dates.length === 1 ? 'middle' : d === dates[0] ? 'start' : d === dates.at(-1) ? 'end' : 'middle';
      return `<line class="axis" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${bottom}" y2="${bottom + 4}"/><text class="tick" x="${px.toFixed(1)}" y="${bottom + 16}" text-anchor="${anchor}">${formatDay(d, spansYears)}</text>`;
    })
    .join('');
  const marks = series
    .map((s, i) => {
      const color = PALETTE[i % PALETTE.length]!;
      const coords = s.points.map((p) => `${x(dayNumber(p.date)).toFixed(1)},${y(p.value).toFixed(1)}`);
      const line =
        s.points.length > 1
          ? `<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(' ')}"/>`
          : '';
      const dots = s.points
        .map(
          (p, j) =>
            `<circle data-point data-series="${attr(s.name)}" cx="${coords[j]!.split(',')[0]}" cy="${coords[j]!.split(',')[1]}" r="2.5" fill="${color}"><title>${escapeHtml(`${s.name}, ${formatDay(p.date, true)}: ${fmt(p.value)}`)}</title></circle>`,
        )
        .join('');
      return `<g data-series="${attr(s.name)}">${line}${dots}</g>`;
    })
    .join('');
  const first = formatDay(dates[0]!, true);
  const last = formatDay(dates.at(-1)!, true);
  const desc = series
    .map((s) => {
      const a = s.points[0]!;
      const b = s.points.at(-1)!;
      return s.points.length === 1
        ? `${s.name}: ${fmt(a.value)} on ${formatDay(a.date, true)}`
        : `${s.name}: from ${fmt(a.value)} on ${formatDay(a.date, true)} to ${fmt(b.value)} on ${formatDay(b.date, true)}`;
    })
    .join('; ');
  const svg = `<svg role="img" aria-labelledby="${attr(input.id)}-title ${attr(input.id)}-desc" viewBox="0 0 ${WIDTH} ${height}" font-size="${FONT}">
<title id="${attr(input.id)}-title">${escapeHtml(`${input.title} (${input.unit}), ${first === last ? first : `${first} – ${last}`}`)}</title>
<desc id="${attr(input.id)}-desc">${escapeHtml(`${desc}.`)}</desc>
${grid}<line class="axis" x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>${xLabels}
<text class="unit" x="${left}" y="${top - 6}">${escapeHtml(input.unit)}</text>
<text class="unit" x="${right}" y="${height - 2}" text-anchor="end">day (UTC)</text>
${marks}</svg>`;
  const table = dataTable(
    `${input.title} per day`,
    ['Day', ...series.map((s) => s.name)],
    dates.map((d) => [
      escapeHtml(d),
      ...series.map((s) => {
        const p = s.points.find((q) => q.date === d);
        return p ? fmt(p.value) : '—';
      }),
    ]),
  );
  return `<figure class="chart" data-chart="${attr(input.id)}" data-points="${series.reduce((n, s) => n + s.points.length, 0)}"><figcaption>${escapeHtml(input.title)}</figcaption>${legend(series.map((s) => s.name))}${svg}${table}</figure>`;
}

/**
 * One horizontal bar per row, its segments stacked in legend order (zero segments are drawn as nothing). The
 * label sits above its bar, so long labels never squeeze the bars on a phone.
 */
export function barChart(input: BarChartInput): string {
  const rows = input.rows.map((r) => ({
    ...r,
    segments: r.segments.filter((s) => Number.isFinite(s.value) && s.value >= 0),
  }));
  if (rows.length === 0) return emptyChart(input.id, input.title, input.emptyText);
  const names = [...new Set(rows.flatMap((r) => r.segments.map((s) => s.name)))];
  const totals = rows.map((r) => r.segments.reduce((n, s) => n + s.value, 0));
  const ticks = niceTicks(0, Math.max(...totals), 3);
  const left = 4;
  const right = WIDTH - 70; // room for the total after the longest bar
  const x = linearScale([0, ticks.at(-1)!], [left, right]);
  const rowHeight = 30;
  const top = 6;
  const height = top + rows.length * rowHeight + 18;
  const bars = rows
    .map((r, i) => {
      const y0 = top + i * rowHeight;
      let at = 0;
      const segs = r.segments
        .map((s) => {
          const color = PALETTE[names.indexOf(s.name) % PALETTE.length]!;
          const x0 = x(at);
          at += s.value;
          const w = Math.max(0, x(at) - x0);
          return `<rect x="${x0.toFixed(1)}" y="${y0 + 14}" width="${w.toFixed(1)}" height="11" fill="${color}"><title>${escapeHtml(`${s.name}: ${fmt(s.value)}`)}</title></rect>`;
        })
        .join('');
      const label = escapeHtml(r.label.length > 52 ? `${r.label.slice(0, 51)}…` : r.label);
      const text = `<text class="label" x="${left}" y="${y0 + 10}">${label}</text>`;
      const linked = r.href ? `<a href="${attr(r.href)}">${text}</a>` : text;
      return `<g data-bar>${linked}${segs}<text class="tick" x="${(x(totals[i]!) + 4).toFixed(1)}" y="${y0 + 23}">${fmt(totals[i]!)}</text></g>`;
    })
    .join('');
  const axisY = top + rows.length * rowHeight + 2;
  const axis = ticks
    .map(
      (t) =>
        `<text class="tick" x="${x(t).toFixed(1)}" y="${axisY + 12}" text-anchor="${t === 0 ? 'start' : 'middle'}">${formatCount(t)}</text>`,
    )
    .join('');
  const maxRow = totals.indexOf(Math.max(...totals));
  const desc = `${rows.length} bars; the largest is ${rows[maxRow]!.label} with ${fmt(totals[maxRow]!)} ${input.unit}.`;
  const svg = `<svg role="img" aria-labelledby="${attr(input.id)}-title ${attr(input.id)}-desc" viewBox="0 0 ${WIDTH} ${height}" font-size="${FONT}">
<title id="${attr(input.id)}-title">${escapeHtml(`${input.title} (${input.unit})`)}</title>
<desc id="${attr(input.id)}-desc">${escapeHtml(desc)}</desc>
${bars}<line class="axis" x1="${left}" x2="${right}" y1="${axisY}" y2="${axisY}"/>${axis}</svg>`;
  const table = dataTable(
    input.title,
    ['', ...names, 'Total', ...(rows.some((r) => r.note) ? [''] : [])],
    rows.map((r, i) => [
      r.href ? `<a href="${attr(r.href)}">${escapeHtml(r.label)}</a>` : escapeHtml(r.label),
      ...names.map((n) => {
        const s = r.segments.find((seg) => seg.name === n);
        return s ? fmt(s.value) : '—';
      }),
      fmt(totals[i]!),
      ...(rows.some((q) => q.note) ? [escapeHtml(r.note ?? '')] : []),
    ]),
  );
  return `<figure class="chart" data-chart="${attr(input.id)}" data-bars="${rows.length}"><figcaption>${escapeHtml(input.title)} <span class="muted">(${escapeHtml(input.unit)})</span></figcaption>${legend(names)}${svg}${table}</figure>`;
}

/** CSS the charts need (added to the page's style element; the CSP allows inline styles only). */
export const CHART_STYLE = `.chart{margin:1rem 0}.chart figcaption{font-weight:600;margin-bottom:.3rem}
.chart svg{width:100%;max-width:40rem;height:auto;display:block}.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,24rem),1fr));gap:0 2rem}.chart .grid{stroke:#e5e5e5}.chart .axis{stroke:#888}
.chart .tick{fill:#555}.chart .unit{fill:#555;font-style:italic}.chart .label{fill:#222}.chart a .label{fill:#0969da;text-decoration:underline}
.legend{list-style:none;padding:0;margin:.2rem 0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;border-radius:.15rem}
details{font-size:.85rem;margin-top:.3rem}table{border-collapse:collapse;margin:.4rem 0;font-size:.85rem}
th,td{border-bottom:1px solid #eee;padding:.2rem .5rem;text-align:right}th[scope=row],thead th:first-child{text-align:left}
caption{text-align:left;color:#666}`;
