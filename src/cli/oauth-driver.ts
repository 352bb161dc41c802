/**
 * Drives a real OAuth connect end to end without a browser, for the demo user of `npm start` and
 * `socialsync connect --approve`: POST connect → GET the authorize URL → (when the sandbox shows its consent page)
 * submit the consent form with "Allow", exactly as a user's click would → GET the callback the platform redirects
 * to. Only meaningful against the sandbox platforms: a real platform's consent page needs a real login.
 */
import type { PlatformId } from '../platforms/types';
import type { ServiceApi } from './api';

export interface ConnectedResult {
  status: 'connected';
  userId: string;
  platform: PlatformId;
  accountId: string;
  workflowId: string;
  runId: string;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The consent form of a sandbox page: its action and hidden fields. */
export function parseConsentForm(html: string): { action: string; fields: [string, string][] } | undefined {
  const form = /<form[^>]*\saction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields: [string, string][] = [];
  for (const input of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    if (!/type="hidden"/i.test(tag)) continue;
    const name = /\sname="([^"]*)"/i.exec(tag)?.[1];
    const value = /\svalue="([^"]*)"/i.exec(tag)?.[1] ?? '';
    if (name !== undefined) fields.push([decodeEntities(name), decodeEntities(value)]);
  }
  return { action: decodeEntities(form[1]!), fields };
}

function redirectTarget(res: Response, from: string): string | undefined {
  if (res.status < 300 || res.status >= 400) return undefined;
  const location = res.headers.get('location');
  return location ? new URL(location, from).toString() : undefined;
}

/** Follows an authorize URL through the consent page ("Allow") and returns the callback URL it redirects to. */
export async function approveConsent(authorizeUrl: string): Promise<string> {
  const first = await fetch(authorizeUrl, { redirect: 'manual', headers: { accept: 'text/html' } });
  const immediate = redirectTarget(first, authorizeUrl);
  if (immediate) return immediate; // auto-approving sandbox
  const html = await first.text();
  const form = first.ok ? parseConsentForm(html) : undefined;
  if (!form)
    throw new Error(
      `the authorize page did not show a consent form (HTTP ${first.status}): ${html.slice(0, 200)}`,
    );
  const actionUrl = new URL(form.action, authorizeUrl).toString();
  const body = new URLSearchParams([...form.fields, ['decision', 'allow']]);
  const decided = await fetch(actionUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const target = redirectTarget(decided, actionUrl);
  if (!target)
    throw new Error(
      `the consent form did not redirect back (HTTP ${decided.status}): ${(await decided.text()).slice(0, 200)}`,
    );
  return target;
}

/** The whole connect: authorize, approve, and complete the callback at the service. */
export async function connectThroughOAuth(opts: {
  api: ServiceApi;
  userId: string;
  platform: PlatformId;
}): Promise<ConnectedResult> {
  const { authorizeUrl, callbackCookie } = await opts.api.startConnect(opts.userId, opts.platform);
  const callbackUrl = await approveConsent(authorizeUrl);
  // The callback must come from whoever started the connect (its browser-binding cookie): this driver is that
  // "browser", so it presents the cookie the service handed to the admin key.
  const res = await fetch(callbackUrl, {
    headers: { accept: 'application/json', ...(callbackCookie ? { cookie: callbackCookie } : {}) },
  });
  const json = (await res.json().catch(() => ({}))) as Partial<ConnectedResult> & { error?: string };
  if (!res.ok || json.status !== 'connected') {
    throw new Error(
      `the OAuth callback of ${opts.platform} failed (HTTP ${res.status}): ${json.error ?? 'unexpected answer'}`,
    );
  }
  return json as ConnectedResult;
}

/**
 * The optional second authorization of a connection (TikTok Business API) through the same consent page:
 * `POST …/connections/{platform}/business` → approve → callback `/oauth/{platform}/business/callback/`.
 */
export async function connectBusinessThroughOAuth(opts: {
  api: ServiceApi;
  userId: string;
  platform: PlatformId;
}): Promise<{ status: 'connected'; slot: string }> {
  const { authorizeUrl, callbackCookie } = await opts.api.request<{
    authorizeUrl: string;
    callbackCookie?: string;
  }>('POST', `/api/users/${encodeURIComponent(opts.userId)}/connections/${opts.platform}/business`, {
    body: {},
  });
  const callbackUrl = await approveConsent(authorizeUrl);
  const res = await fetch(callbackUrl, {
    headers: { accept: 'application/json', ...(callbackCookie ? { cookie: callbackCookie } : {}) },
  });
  const json = (await res.json().catch(() => ({}))) as { status?: string; slot?: string; error?: string };
  if (!res.ok || json.status !== 'connected') {
    throw new Error(
      `the business OAuth callback of ${opts.platform} failed (HTTP ${res.status}): ${json.error ?? 'unexpected answer'}`,
    );
  }
  return { status: 'connected', slot: json.slot ?? 'business' };
}
