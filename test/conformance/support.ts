/**
 * Helpers of the conformance tests: documented example responses from test/fixtures/<platform>/ (see its README),
 * and a recursive comparison of JSON shapes (key sets and JSON types) between a fixture and a live sandbox answer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FixtureSource {
  url: string;
  retrieved: string;
  notes: string;
  also?: string;
}

export interface Fixture {
  name: string;
  /** The documented body, `_source` stripped. */
  body: Json;
  source: FixtureSource;
}

const ROOT = path.resolve(__dirname, '..', 'fixtures');

export function fixtureNames(platform: string): string[] {
  return readdirSync(path.join(ROOT, platform))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadFixture(platform: string, name: string): Fixture {
  const raw = JSON.parse(readFileSync(path.join(ROOT, platform, `${name}.json`), 'utf8')) as Record<
    string,
    Json
  >;
  const { _source: source, ...body } = raw;
  if (!source || typeof source !== 'object' || Array.isArray(source)) {
    throw new Error(`${platform}/${name}.json has no _source`);
  }
  return { name, body, source: source as unknown as FixtureSource };
}

/** The fixture body as an object (every fixture is a JSON object at the top). */
export function fixtureBody(platform: string, name: string): Record<string, Json> {
  return loadFixture(platform, name).body as Record<string, Json>;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export interface ShapeOptions {
  /**
   * Paths a documented response may leave out (`meta.next_token` on the last page, `paging.next`…), written with
   * `[]` for array elements: `data[].non_public_metrics`. Absent on either side is fine; present on both is compared.
   * `data[]` allows `data` to be an empty array.
   */
  optional?: readonly string[];
}

/**
 * Differences between the shape of `expected` (a documented example) and `actual` (the sandbox's answer): keys
 * missing or extra at each object level, JSON types that differ, and every array element of `actual` against the
 * shape of the first element of `expected`. Empty list = same shape.
 */
export function shapeDiff(expected: unknown, actual: unknown, opts: ShapeOptions = {}, at = ''): string[] {
  const optional = new Set(opts.optional ?? []);
  const te = typeOf(expected);
  const ta = typeOf(actual);
  const where = at || '(root)';
  if (te !== ta) return [`${where}: documented ${te}, sandbox ${ta}`];
  if (te === 'array') {
    const [model] = expected as unknown[];
    if (model === undefined) return [];
    // An empty answer would compare nothing: it must be declared possible (`path[]` in `optional`).
    if ((actual as unknown[]).length === 0) {
      return optional.has(`${at}[]`)
        ? []
        : [`${where}: documented with elements, sandbox sent an empty array`];
    }
    return (actual as unknown[]).flatMap((element, i) =>
      shapeDiff(model, element, opts, `${at}[]`).map((d) => d.replace(`${at}[]`, `${at}[${i}]`)),
    );
  }
  if (te !== 'object') return [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const diffs: string[] = [];
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    const child = at ? `${at}.${key}` : key;
    const inE = key in e;
    const inA = key in a;
    if (inE && inA) diffs.push(...shapeDiff(e[key], a[key], opts, child));
    else if (optional.has(child)) continue;
    else if (inE) diffs.push(`${child}: documented, missing from the sandbox`);
    else diffs.push(`${child}: sent by the sandbox, not documented`);
  }
  return diffs;
}

/** The keys of an object fixture member, e.g. the `fields` a request must name to get the documented answer. */
export function keysOf(value: Json | undefined): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return Object.keys(value);
}

/** Union of the keys of every object in an array fixture member (a `fields` list covering every element). */
export function elementKeys(value: Json | undefined): string[] {
  if (!Array.isArray(value)) throw new Error('not an array');
  return [...new Set(value.flatMap((v) => keysOf(v)))];
}

export async function fetchJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Json) : null };
}

/** Follows the consent redirect of an auto-approving sandbox and returns the `code` it hands to the app. */
export async function authorizationCode(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location)
    throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

/**
 * The checks every platform's fixtures get, inside the caller's `describe`: each fixture names its documentation
 * source (URL, retrieval date, notes) and has a connector schema (or is a listed fact sheet), and each schema parses
 * its fixture.
 */
export function describeFixtureCoverage(
  platform: string,
  opts: { schemas: Record<string, z.ZodType>; sourceUrl: RegExp; factSheets?: readonly string[] },
): void {
  it('every fixture names its source and is covered by a schema (or is a fact sheet)', () => {
    for (const name of fixtureNames(platform)) {
      const { source } = loadFixture(platform, name);
      expect(source.url).toMatch(opts.sourceUrl);
      expect(source.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(source.notes.length).toBeGreaterThan(20);
      expect([...Object.keys(opts.schemas), ...(opts.factSheets ?? [])]).toContain(name);
    }
  });

  it.each(Object.keys(opts.schemas))('the connector schema parses %s', (name) => {
    const parsed = opts.schemas[name]!.safeParse(fixtureBody(platform, name));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
}
