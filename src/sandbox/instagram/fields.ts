/**
 * Graph `fields` parsing: `id,caption,insights.metric(reach,saved).period(lifetime),owner{id}`. Commas inside
 * parentheses or braces belong to the field, so a plain split would be wrong.
 */
export interface FieldSpec {
  name: string;
  /** Modifiers such as `metric(reach,saved)` → `{ metric: ['reach', 'saved'] }`. */
  modifiers: Record<string, string[]>;
  /** Nested selection of `owner{id,username}`. */
  subfields?: string;
}

export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === '{') depth += 1;
    if (ch === ')' || ch === '}') depth -= 1;
    if (ch === ',' && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

export function parseFields(text: string | undefined): FieldSpec[] {
  if (!text) return [];
  return splitTopLevel(text).map((raw) => {
    const brace = raw.indexOf('{');
    const subfields = brace >= 0 ? raw.slice(brace + 1, raw.lastIndexOf('}')) : undefined;
    const head = brace >= 0 ? raw.slice(0, brace) : raw;
    const [name, ...rest] = head.split(/\.(?![^(]*\))/);
    const modifiers: Record<string, string[]> = {};
    for (const mod of rest) {
      const m = /^(\w+)\((.*)\)$/.exec(mod);
      if (m)
        modifiers[m[1]!] = m[2]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
    }
    return { name: name!.trim(), modifiers, subfields };
  });
}
