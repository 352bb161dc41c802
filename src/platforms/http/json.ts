/**
 * JSON parsing that never rounds an id. Platform ids are 64-bit integers; some answers send them as JSON numbers
 * (older Instagram token responses send `user_id` as a number beyond 2^53), which a plain `JSON.parse` would
 * silently corrupt. Integer literals of 16 digits or more are kept as their exact digit strings instead; the
 * schemas accept ids as strings or numbers.
 */

/** Integer literals this long may exceed 2^53 (16 digits reach 9.0e15): they are read as strings. */
const BIG_INTEGER = /^-?\d{16,}$/;

type SourceReviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

function keepBigIntegers(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value === 'number' && context?.source !== undefined && BIG_INTEGER.test(context.source))
    return context.source;
  return value;
}

/** Node ≥ 21 hands a reviver the source text of each primitive; Node 20 (still allowed by `engines`) does not. */
const SOURCE_TEXT_SUPPORTED = (() => {
  let seen = false;
  JSON.parse('1', ((_k: string, v: unknown, context?: { source?: string }) => {
    if (context?.source === '1') seen = true;
    return v;
  }) as SourceReviver as (key: string, value: unknown) => unknown);
  return seen;
})();

/**
 * Fallback for runtimes without source text: wraps big integer literals outside strings in quotes before parsing.
 * A literal is digits with an optional minus, not followed by a fraction or exponent.
 */
export function quoteBigIntegers(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      // Copy the whole string literal, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j += 1;
      const literal = text.slice(i, j);
      out += BIG_INTEGER.test(literal) ? `"${literal}"` : literal;
      i = j;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** `JSON.parse` that keeps integer literals of 16+ digits as exact strings. Throws on invalid JSON like JSON.parse. */
export function parseJsonLossless(text: string): unknown {
  if (!SOURCE_TEXT_SUPPORTED) return JSON.parse(quoteBigIntegers(text));
  return JSON.parse(text, keepBigIntegers as (this: unknown, key: string, value: unknown) => unknown);
}
