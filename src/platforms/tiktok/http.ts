/** The one axios instance per connector: never throws on a status (we classify every answer ourselves). */
import axios, { type AxiosInstance } from 'axios';

export const DEFAULT_TIMEOUT_MS = 15_000;

export function createHttp(timeoutMs = DEFAULT_TIMEOUT_MS): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    validateStatus: () => true,
    // Keep raw text when a body is not JSON (an HTML 502 page) instead of throwing a parse error.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    headers: { 'user-agent': 'socialsync' },
  });
}

/** `base` + `path` with exactly one slash between them (bases come from the environment with or without one). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
