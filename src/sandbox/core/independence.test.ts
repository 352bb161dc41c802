/**
 * The sandbox must not import the connectors it imitates (issue: a wrong fact in `src/platforms` would be confirmed
 * by its own fake). Checks every import specifier of the listed sandbox folders, resolved against the file's folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SANDBOX = path.resolve(__dirname, '..');
const PLATFORMS = path.resolve(SANDBOX, '..', 'platforms');
/** Folders (and files) already independent; the Instagram and X sandboxes join when their rewrites land. */
const CHECKED = ['core', 'tiktok', 'index.ts'];

function files(entry: string): string[] {
  if (statSync(entry).isFile()) return entry.endsWith('.ts') ? [entry] : [];
  return readdirSync(entry).flatMap((name) => files(path.join(entry, name)));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

describe('sandbox independence', () => {
  const all = CHECKED.flatMap((entry) => files(path.join(SANDBOX, entry)));

  it('finds the files it checks', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.some((f) => f.endsWith(path.join('tiktok', 'facts.ts')))).toBe(true);
  });

  it.each(CHECKED)('%s imports only src/sandbox and src/shared (or packages)', (entry) => {
    const offenders: string[] = [];
    for (const file of files(path.join(SANDBOX, entry))) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue; // packages and node: builtins
        const target = path.resolve(path.dirname(file), spec);
        const inside = target.startsWith(SANDBOX + path.sep) || target === SANDBOX;
        const shared = target.startsWith(path.resolve(SANDBOX, '..', 'shared') + path.sep);
        if (target.startsWith(PLATFORMS) || (!inside && !shared)) {
          offenders.push(`${path.relative(SANDBOX, file)} → ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
