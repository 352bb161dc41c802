/**
 * Header helpers shared by the connectors: case-insensitive lookup in whatever shape a header bag arrives in
 * (axios, node:http, plain objects), the request headers every connector sends, and the reset-time headers
 * platforms use to say when a throttled caller may come back.
 */

/** Response or request headers as the different HTTP layers hand them over. */
export type HeaderBag = Readonly<Record<string, unknown>>;

/** The `User-Agent` of every connector request. */
export const USER_AGENT = 'socialsync/0.1';

/** First value of a header, matched case-insensitively; undefined when absent or empty-valued. */
export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined || value === null) continue;
    return Array.isArray(value) ? (value[0] === undefined ? undefined : String(value[0])) : String(value);
  }
  return undefined;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** HTTP Basic credentials of a confidential OAuth client (`id:secret`, base64). */
export function basicAuth(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/**
 * Epoch ms named by a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent
 * or unreadable; a date in the past means "now".
 */
export function retryAfterAt(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(now, date) : undefined;
}

/** Epoch ms of a reset header in epoch seconds (X's `x-rate-limit-reset`); undefined when absent or not positive. */
export function epochSecondsAt(value: string | undefined, now: number): number | undefined {
  const seconds = Number(value);
  if (value === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.max(now, seconds * 1000);
}

/** Query string with commas and colons left literal (field lists, ISO times), as the platforms' docs write them. */
export function queryString(params: Readonly<Record<string, string | undefined>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const encoded = encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
    parts.push(`${encodeURIComponent(key)}=${encoded}`);
  }
  return parts.join('&');
}

/** `base` + `path` with exactly one slash between them (bases come from the environment with or without one). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
