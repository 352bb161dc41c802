/** The benchmark report: one row per measurement with its target and a pass/miss mark. */
export interface BenchRow {
  benchmark: string;
  result: string;
  target: string;
  /** undefined: informational, no target. */
  pass?: boolean;
}

export function formatTable(rows: BenchRow[]): string {
  const header: BenchRow = { benchmark: 'benchmark', result: 'result', target: 'target' };
  const mark = (r: BenchRow) =>
    r === header ? 'mark' : r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS';
  const all = [header, ...rows];
  const widths = [
    Math.max(...all.map((r) => r.benchmark.length)),
    Math.max(...all.map((r) => r.result.length)),
    Math.max(...all.map((r) => r.target.length)),
    4,
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line([header.benchmark, header.result, header.target, mark(header)]),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line([r.benchmark, r.result, r.target, mark(r)])),
  ].join('\n');
}

export const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
