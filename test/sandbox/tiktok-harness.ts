/** Starts the TikTok sandbox in-process on a free port, plus helpers for raw HTTP calls against it. */
import http from 'node:http';
import { SandboxClock } from '../../src/sandbox/core/clock';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { createTikTokSandbox, type TikTokSandbox, type TikTokSandboxOptions } from '../../src/sandbox/tiktok';

/** Untyped JSON from the wire; tests check its shape with the zod schemas or assertions. */
export type Json = ReturnType<typeof JSON.parse>;

export interface TikTokHarness {
  sandbox: TikTokSandbox;
  server: RunningServer;
  url: string;
  clock: SandboxClock;
  env: Record<string, string>;
  clientKey: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startTikTok(opts: Partial<TikTokSandboxOptions> = {}): Promise<TikTokHarness> {
  // Frozen unless a test brings its own clock: metrics step with sandbox time and must not move between two reads.
  const start = Date.now();
  const clock = opts.clock ?? new SandboxClock(() => start);
  const sandbox = createTikTokSandbox({
    seed: 7,
    accounts: 2,
    itemsPerAccount: 60,
    autoApprove: true,
    ...opts,
    clock,
  });
  const server = await listen(sandbox.handler);
  return {
    sandbox,
    server,
    url: server.url,
    clock,
    env: sandbox.env(server.url),
    clientKey: sandbox.credentials.clientId,
    clientSecret: sandbox.credentials.clientSecret,
    close: () => server.close(),
  };
}

export const REDIRECT_URI = 'http://127.0.0.1:9/oauth/tiktok/callback';
export const ALL_SCOPES = 'user.info.basic,user.info.profile,user.info.stats,video.list';

/** Runs the consent (autoApprove) and returns the code from the redirect. */
export async function authorizeCode(
  h: TikTokHarness,
  opts: { scope?: string; state?: string; challenge?: string; redirectUri?: string } = {},
): Promise<string> {
  const url = new URL('/v2/auth/authorize/', h.url);
  url.searchParams.set('client_key', h.clientKey);
  url.searchParams.set('scope', opts.scope ?? ALL_SCOPES);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', opts.redirectUri ?? REDIRECT_URI);
  url.searchParams.set('state', opts.state ?? 'st');
  if (opts.challenge) {
    url.searchParams.set('code_challenge', opts.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code in ${res.headers.get('location')}`);
  return code;
}

export async function postForm(
  h: TikTokHarness,
  path: string,
  form: Record<string, string>,
): Promise<Response> {
  return fetch(new URL(path, h.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** Code → token answer (raw JSON). */
export async function connect(
  h: TikTokHarness,
  opts: { scope?: string } = {},
): Promise<{ access_token: string; refresh_token: string; open_id: string; scope: string }> {
  const code = await authorizeCode(h, opts);
  const res = await postForm(h, '/v2/oauth/token/', {
    client_key: h.clientKey,
    client_secret: h.clientSecret,
    code,
    grant_type: 'authorization_code',
    redirect_uri: REDIRECT_URI,
  });
  if (res.status !== 200) throw new Error(`token answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as {
    access_token: string;
    refresh_token: string;
    open_id: string;
    scope: string;
  };
}

export async function api(
  h: TikTokHarness,
  token: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(new URL(path, h.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function control(
  h: TikTokHarness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(new URL(`/_sandbox${path}`, h.url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** A local webhook receiver that records every delivery (raw body and headers). */
export async function startReceiver(status = 200): Promise<{
  url: string;
  received: { headers: http.IncomingHttpHeaders; body: Buffer }[];
  close(): Promise<void>;
}> {
  const received: { headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status).end();
    });
  });
  return { url: `${server.url}/webhooks/tiktok`, received, close: () => server.close() };
}

export const VIDEO_FIELDS_QS =
  'id,create_time,title,video_description,duration,share_url,view_count,like_count,comment_count,share_count';
