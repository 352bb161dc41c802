/**
 * The shape of `src`, checked on every `npm test`: no import cycles, layers import only downward, and the sandboxes
 * share no code with the connectors they imitate (a sandbox that imports a connector's facts confirms its mistakes).
 * Reads the files as text: every relative `import`/`export … from` counts, `import type` included, because a type
 * cycle is a design cycle too.
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname);

/**
 * Lowest first. A module may import from its own layer and from any layer listed before it. Layers that sit beside
 * the stack rather than in it (`infra`, `sandbox`) say whom they may import explicitly.
 */
const LAYERS = [
  'domain',
  'shared',
  'config',
  'platforms',
  'store',
  'activities',
  'workflows',
  'sync',
  'workers',
  'webhooks',
  'cli',
] as const;

const SIDE_LAYERS: Record<string, readonly string[]> = {
  /** Process launchers (Temporal dev server, emulators): know nothing of the service. */
  infra: ['shared'],
  /** Platform imitations: their own facts only; `cli` and tests start them. */
  sandbox: ['shared'],
};

/** Files outside any folder (this test) are not part of the graph. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && dir !== SRC) out.push(full);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|require\(['"](\.{1,2}\/[^'"]+)['"]\)/g;

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(file, match[1] ?? match[2]!);
      if (target && target.startsWith(SRC) && !target.endsWith('.test.ts')) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const rel = (file: string) => path.relative(SRC, file);
const layerOf = (file: string) => rel(file).split(path.sep)[0]!;

/** Every cycle's members, as strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  if (from in SIDE_LAYERS) return SIDE_LAYERS[from]!.includes(to);
  if (to === 'infra') return from === 'cli';
  if (to === 'sandbox') return from === 'cli';
  const a = LAYERS.indexOf(from as (typeof LAYERS)[number]);
  const b = LAYERS.indexOf(to as (typeof LAYERS)[number]);
  return a >= 0 && b >= 0 && b < a;
}

describe('architecture of src', () => {
  const graph = importGraph();

  it('reads a graph of the whole tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    const layers = new Set([...graph.keys()].map(layerOf));
    for (const layer of layers) expect([...LAYERS, ...Object.keys(SIDE_LAYERS)]).toContain(layer);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only downward between layers (domain < shared < config < platforms < store < … < cli)', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (!allowed(layerOf(file), layerOf(target))) upward.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps src/domain free of zod, Temporal and I/O', () => {
    const offending = [...graph.keys()]
      .filter((f) => layerOf(f) === 'domain')
      .filter((f) => /from ['"](?!\.)/.test(fs.readFileSync(f, 'utf8')))
      .map(rel);
    expect(offending).toEqual([]);
  });

  it('keeps the sandboxes apart from the connectors they imitate', () => {
    const shared = [...graph.entries()]
      .filter(([file]) => layerOf(file) === 'sandbox')
      .flatMap(([file, targets]) =>
        targets.filter((t) => layerOf(t) === 'platforms').map((t) => `${rel(file)} -> ${rel(t)}`),
      );
    expect(shared).toEqual([]);
  });

  it('finds a planted cycle and an upward import (the checks can fail)', () => {
    const a = path.join(SRC, 'store', 'a.ts');
    const b = path.join(SRC, 'store', 'b.ts');
    const planted = new Map([
      [a, [b]],
      [b, [a]],
    ]);
    expect(cycles(planted)).toEqual([[rel(a), rel(b)].sort()]);
    expect(allowed('store', 'webhooks')).toBe(false);
    expect(allowed('sandbox', 'platforms')).toBe(false);
    expect(allowed('webhooks', 'store')).toBe(true);
  });
});
