import { barChart, lineChart } from './svg';

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

describe('lineChart', () => {
  const days = ['2026-11-28', '2026-11-29', '2026-12-01'];

  test('one dot per stored value, a line per series, labelled axes, name, description and data table', () => {
    const html = lineChart({
      id: 'trend',
      title: 'Reach and views per day',
      unit: 'accounts',
      series: [
        { name: 'reach', points: days.map((date, i) => ({ date, value: 100 * (i + 1) })) },
        { name: 'views', points: [{ date: '2026-11-29', value: 950 }] },
      ],
      emptyText: 'nothing',
    });
    expect(html).toContain('data-chart="trend" data-points="4"');
    expect(count(html, /<circle data-point/g)).toBe(4);
    expect(count(html, /<polyline/g)).toBe(1); // one point draws no line
    expect(html).toContain('role="img" aria-labelledby="trend-title trend-desc"');
    expect(html).toContain(
      '<title id="trend-title">Reach and views per day (accounts), 28 Nov 2026 – 1 Dec 2026</title>',
    );
    expect(html).toContain('reach: from 100 on 28 Nov 2026 to 300 on 1 Dec 2026; views: 950 on 29 Nov 2026.');
    expect(html).toContain('>28 Nov<');
    expect(html).toContain('>1 Dec<');
    expect(html).toContain('day (UTC)');
    // The table has every day and marks a missing value.
    expect(html).toContain('<tr><th scope="row">2026-12-01</th><td>300</td><td>—</td></tr>');
    expect(html).not.toContain('NaN');
  });

  test('days are placed by date: the gap before 1 Dec is twice as wide as a day', () => {
    const html = lineChart({
      id: 't',
      title: 't',
      unit: 'u',
      series: [{ name: 's', points: days.map((date) => ({ date, value: 5 })) }],
      emptyText: '',
    });
    const xs = [...html.matchAll(/<circle data-point[^>]* cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(3);
    expect(xs[2]! - xs[1]!).toBeCloseTo(2 * (xs[1]! - xs[0]!), 0);
  });

  test('a single point is centred and still labelled; no data gives the empty text', () => {
    const one = lineChart({
      id: 'one',
      title: 'Followers',
      unit: 'followers',
      series: [{ name: 'followers', points: [{ date: '2026-12-03', value: 1234 }] }],
      emptyText: '',
    });
    expect(count(one, /<circle data-point/g)).toBe(1);
    // The middle of the plot area (left margin 34, right edge 348).
    expect(one).toContain('cx="191.0"');
    expect(one).toContain('<title id="one-title">Followers (followers), 3 Dec 2026</title>');
    expect(one).toContain('followers: 1,234 on 3 Dec 2026');
    const none = lineChart({
      id: 'e',
      title: 'Followers',
      unit: 'f',
      series: [{ name: 'x', points: [] }],
      emptyText: 'No daily insights stored.',
    });
    expect(none).toContain('data-empty="true"');
    expect(none).toContain('No daily insights stored.');
    expect(none).not.toContain('<svg');
  });

  test('escapes names and ignores malformed dates', () => {
    const html = lineChart({
      id: 'x',
      title: '<b>',
      unit: 'u',
      series: [
        {
          name: '"><script>',
          points: [
            { date: 'nope', value: 1 },
            { date: '2026-01-01', value: 2 },
          ],
        },
      ],
      emptyText: '',
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(count(html, /<circle data-point/g)).toBe(1);
  });
});

describe('barChart', () => {
  test('one bar per row with stacked segments, a legend, links and a table with totals', () => {
    const html = barChart({
      id: 'engagement',
      title: 'Last 2 posts',
      unit: 'interactions',
      rows: [
        {
          label: 'first',
          href: 'https://x.com/i/web/status/1',
          segments: [
            { name: 'likes', value: 10 },
            { name: 'replies', value: 5 },
          ],
          note: 'of 300 impressions · 5.0 %',
        },
        { label: 'second', segments: [{ name: 'likes', value: 40 }] },
      ],
      emptyText: '',
    });
    expect(html).toContain('data-bars="2"');
    expect(count(html, /<g data-bar>/g)).toBe(2);
    expect(count(html, /<rect /g)).toBe(3);
    expect(html).toContain('<a href="https://x.com/i/web/status/1">');
    expect(html).toContain('<ul class="legend">');
    expect(html).toContain('the largest is second with 40 interactions');
    expect(html).toContain('<td>15</td><td>of 300 impressions · 5.0 %</td>');
    // The longest bar ends at the scale's last tick or before it.
    const widths = [...html.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map(
      (m) => Number(m[1]) + Number(m[2]),
    );
    expect(Math.max(...widths)).toBeLessThanOrEqual(290);
  });

  test('no rows gives the empty text; all-zero rows still draw an axis', () => {
    expect(
      barChart({ id: 'b', title: 'Age', unit: 'followers', rows: [], emptyText: 'None stored.' }),
    ).toContain('None stored.');
    const zeros = barChart({
      id: 'z',
      title: 'Z',
      unit: 'u',
      rows: [{ label: 'a', segments: [{ name: 'x', value: 0 }] }],
      emptyText: '',
    });
    expect(count(zeros, /<g data-bar>/g)).toBe(1);
    expect(zeros).not.toContain('NaN');
  });
});
