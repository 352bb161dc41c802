/** How TikTok's servers answer: the Display API envelope, OAuth errors, and the small HTML pages of www.tiktok.com. */
import type { ServerResponse } from 'node:http';
import type { SandboxClock } from '../core/clock';
import { Random } from '../core/random';
import { API_ERRORS, type ApiErrorCode } from './facts';

/** `log_id` values look like `20240314122309AB12CD34EF56AB78CD90`: a UTC timestamp and 20 hex digits. */
export class LogIds {
  private readonly random: Random;

  constructor(
    private readonly clock: SandboxClock,
    seed: number,
  ) {
    this.random = new Random(seed ^ 0x10910);
  }

  next(): string {
    const stamp = new Date(this.clock.now()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return `${stamp}${this.random.hex(20).toUpperCase()}`;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendApiOk(res: ServerResponse, logId: string, data: unknown): void {
  sendJson(res, 200, { data, error: { code: 'ok', message: '', log_id: logId } });
}

export function sendApiError(
  res: ServerResponse,
  logId: string,
  code: ApiErrorCode,
  message: string = API_ERRORS[code].message,
  status: number = API_ERRORS[code].status,
): void {
  sendJson(res, status, { data: {}, error: { code, message, log_id: logId } });
}

export function sendOAuthError(
  res: ServerResponse,
  logId: string,
  status: number,
  error: string,
  description: string,
): void {
  sendJson(res, status, { error, error_description: description, log_id: logId });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function sendHtml(res: ServerResponse, status: number, title: string, bodyHtml: string): void {
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:28rem;margin:3rem auto">${bodyHtml}</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': '0' });
  res.end();
}
