/**
 * X's own paths on one base URL: `/i/oauth2/authorize` (x.com), `/2/oauth2/token`, `/2/oauth2/revoke`,
 * `/2/users/me`, `/2/users/:id/tweets`, `/2/tweets` (api.x.com), and the delivery endpoints of delivery-routes.ts. Every request is logged under its documented
 * endpoint name and may be hit by an injected fault first.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ActiveFault } from '../core/faults';
import { mountDeliveryRoutes } from './delivery-routes';
import { NON_PUBLIC_WINDOW_MS, TWEET_FIELDS, USER_FIELDS, type TweetField, type UserField } from './facts';
import { pkceMatches, type Grant } from './grants';
import { renderTweet, renderUser } from './render';
import {
  fieldNotAuthorizedError,
  notFoundError,
  sendInvalidRequest,
  sendOAuthError,
  sendProblem,
  sendThrottled,
  sendUsageCapped,
  setRateLimitHeaders,
} from './respond';
import { DATA_ENDPOINTS, type DataEndpoint, type TwitterWorld } from './state';
import type { SandboxTweet } from './world';

/** Scopes X knows (a subset of its list); an unknown one fails the authorize request with invalid_scope. */
const KNOWN_SCOPES = new Set([
  'tweet.read',
  'tweet.write',
  'users.read',
  'follows.read',
  'offline.access',
  'like.read',
  'list.read',
  'bookmark.read',
  'space.read',
  'mute.read',
  'block.read',
]);
const NON_PUBLIC_FIELDS: TweetField[] = ['non_public_metrics', 'organic_metrics'];
/** Data endpoints whose posts count toward the monthly post cap (https://docs.x.com/x-api/fundamentals/post-cap). */
const POST_CAPPED = new Set<DataEndpoint>(['GET /2/users/:id/tweets', 'GET /2/tweets']);
const ID = /^[0-9]{1,19}$/;

interface Ctx {
  query: URLSearchParams;
  body: string;
}
type Handler = (req: Request, res: Response, ctx: Ctx) => void | Promise<void>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Pagination tokens are opaque on X; here they are the base-36 id of the first post of the next page. */
export function encodePaginationToken(id: string): string {
  return BigInt(id).toString(36).padStart(13, '0');
}

export function decodePaginationToken(token: string): bigint | undefined {
  if (!/^[0-9a-z]{1,14}$/.test(token)) return undefined;
  let value = 0n;
  for (const ch of token) value = value * 36n + BigInt(parseInt(ch, 36));
  return value;
}

function basicCredentials(req: Request): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return undefined;
  return {
    id: decodeURIComponent(decoded.slice(0, sep)),
    secret: decodeURIComponent(decoded.slice(sep + 1)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createTwitterApp(world: TwitterWorld, opts: { autoApprove: boolean }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.raw({ type: () => true, limit: '1mb' }));

  // Every request to X's paths goes into the request log once the answer is sent (or the socket dies).
  app.use((req, res, next) => {
    const at = world.clock.now();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      world.log.record({
        at,
        method: req.method,
        url: req.originalUrl,
        path: req.path,
        endpoint: (res.locals.endpoint as string | undefined) ?? `${req.method} ${req.path}`,
        query: Object.fromEntries(new URL(req.originalUrl, 'http://x').searchParams),
        headers: { ...req.headers },
        body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
        status: res.writableFinished || res.headersSent ? res.statusCode : 0,
        whileRateLimited: res.locals.whileRateLimited === true,
        user: res.locals.user as string | undefined,
      });
    };
    res.on('finish', record);
    res.on('close', record);
    next();
  });

  /** Applies a fault in X's own format; true when the request has been dealt with. */
  async function applyFault(
    fault: ActiveFault,
    req: Request,
    res: Response,
    endpoint: string,
  ): Promise<boolean> {
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.timeout) return true; // hold the socket: the client must time out
    if (fault.reset) {
      req.socket.destroy();
      return true;
    }
    if (fault.rateLimit) {
      const limit = DATA_ENDPOINTS[endpoint as DataEndpoint]?.perUser ?? 900;
      res.locals.whileRateLimited = true;
      sendThrottled(res, { limit, resetAtMs: world.clock.now() + (fault.retryAfterSeconds ?? 60) * 1000 });
      return true;
    }
    if (fault.status) {
      sendProblem(res, fault.status);
      return true;
    }
    return false;
  }

  function route(endpoint: string, handler: Handler) {
    return async (req: Request, res: Response, next: NextFunction) => {
      res.locals.endpoint = endpoint;
      try {
        const fault = world.faults.take(endpoint);
        if (fault && (await applyFault(fault, req, res, endpoint))) return;
        const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const query = new URL(req.originalUrl, 'http://x').searchParams;
        await handler(req, res, { query, body });
      } catch (err) {
        next(err);
      }
    };
  }

  // ── OAuth 2.0 ──────────────────────────────────────────────────────────────────────────────────────────

  interface AuthorizeParams {
    clientId: string;
    redirectUri: string;
    state: string;
    scopes: string[];
    challenge: string;
    challengeMethod: 'S256' | 'plain';
  }

  /** Validates an authorize request; answers the error itself (page or redirect) and returns undefined. */
  function authorizeParams(params: URLSearchParams, res: Response): AuthorizeParams | undefined {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    let redirect: URL | undefined;
    try {
      redirect = new URL(redirectUri);
    } catch {
      redirect = undefined;
    }
    // Without a known client or a usable redirect URI X shows an error page instead of redirecting.
    if (clientId !== world.credentials.clientId || !redirect || !/^https?:$/.test(redirect.protocol)) {
      res
        .status(400)
        .type('html')
        .send(
          '<!doctype html><title>X</title><p>Something went wrong. You weren’t able to give access to the App. Go back and try logging in again.</p>',
        );
      return undefined;
    }
    const state = params.get('state') ?? '';
    const fail = (error: string, description: string) => {
      redirect.searchParams.set('error', error);
      redirect.searchParams.set('error_description', description);
      if (state) redirect.searchParams.set('state', state);
      res.redirect(302, redirect.toString());
      return undefined;
    };
    if (params.get('response_type') !== 'code')
      return fail('unsupported_response_type', 'response_type must be code');
    const scopes = (params.get('scope') ?? '').split(/[\s+]+/).filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s)))
      return fail('invalid_scope', 'invalid scope');
    if (!state) return fail('invalid_request', 'state is required');
    const challenge = params.get('code_challenge') ?? '';
    const method = params.get('code_challenge_method') ?? 'plain';
    if (!challenge || (method !== 'S256' && method !== 'plain')) {
      return fail('invalid_request', 'code_challenge and code_challenge_method (S256 or plain) are required');
    }
    return { clientId, redirectUri, state, scopes, challenge, challengeMethod: method };
  }

  function approve(p: AuthorizeParams, res: Response): void {
    const accountId = world.loggedIn;
    if (!accountId) {
      res.status(409).type('html').send('<p>No account is logged in to the sandbox.</p>');
      return;
    }
    res.locals.user = accountId;
    const code = world.grants.issueCode({
      accountId,
      clientId: p.clientId,
      redirectUri: p.redirectUri,
      scopes: p.scopes,
      challenge: p.challenge,
      challengeMethod: p.challengeMethod,
    });
    const target = new URL(p.redirectUri);
    target.searchParams.set('state', p.state);
    target.searchParams.set('code', code);
    res.redirect(302, target.toString());
  }

  app.get(
    '/i/oauth2/authorize',
    route('GET /i/oauth2/authorize', (_req, res, { query }) => {
      const p = authorizeParams(query, res);
      if (!p) return;
      if (opts.autoApprove) return approve(p, res);
      const account = world.loggedIn ? world.accounts.get(world.loggedIn) : undefined;
      const hidden = [...query.entries()]
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join('');
      res.type('html')
        .send(`<!doctype html><html><head><meta charset="utf-8"><title>Authorize app - X</title></head>
<body><main><h1>Authorize app to access your account?</h1>
<p>Signed in as <strong>@${escapeHtml(account?.username ?? 'nobody')}</strong></p>
<p>It will be able to: ${p.scopes.map(escapeHtml).join(', ')}</p>
<form method="post" action="/i/oauth2/authorize">${hidden}
<button type="submit" name="decision" value="allow">Authorize app</button>
<button type="submit" name="decision" value="deny">Cancel</button></form></main></body></html>`);
    }),
  );

  app.post(
    '/i/oauth2/authorize',
    route('POST /i/oauth2/authorize', (_req, res, { body }) => {
      const form = new URLSearchParams(body);
      const p = authorizeParams(form, res);
      if (!p) return;
      if (form.get('decision') !== 'allow') {
        const target = new URL(p.redirectUri);
        target.searchParams.set('error', 'access_denied');
        target.searchParams.set('state', p.state);
        res.redirect(302, target.toString());
        return;
      }
      approve(p, res);
    }),
  );

  function tokenResponse(res: Response, grant: Grant): void {
    res.locals.user = grant.accountId;
    res.status(200).json({
      token_type: 'bearer',
      expires_in: Math.round((grant.accessExpiresAt - world.clock.now()) / 1000),
      access_token: grant.accessToken,
      scope: grant.scopes.join(' '),
      ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
    });
  }

  /** The sandbox app is a confidential client: Basic auth with its id and secret, or nothing. */
  function sandboxClient(req: Request): { id: string; secret: string } | undefined {
    const client = basicCredentials(req);
    const ok = client?.id === world.credentials.clientId && client.secret === world.credentials.clientSecret;
    return ok ? client : undefined;
  }

  app.post(
    '/2/oauth2/token',
    route('POST /2/oauth2/token', (req, res, { body }) => {
      const form = new URLSearchParams(body);
      const client = sandboxClient(req);
      if (!client)
        return sendOAuthError(res, 401, 'unauthorized_client', 'Missing valid authorization header');
      const grantType = form.get('grant_type');
      if (grantType === 'authorization_code') {
        const code = world.grants.redeemCode(form.get('code') ?? '');
        if (!code || code.clientId !== client.id) {
          return sendOAuthError(
            res,
            400,
            'invalid_request',
            'Value passed for the authorization code was invalid.',
          );
        }
        res.locals.user = code.accountId;
        if (form.get('redirect_uri') !== code.redirectUri) {
          return sendOAuthError(
            res,
            400,
            'invalid_request',
            'Value passed for the redirect uri did not match the uri of the authorization code.',
          );
        }
        if (!pkceMatches(code, form.get('code_verifier') ?? '')) {
          return sendOAuthError(
            res,
            400,
            'invalid_request',
            'Value passed for the code verifier did not match the code challenge.',
          );
        }
        return tokenResponse(
          res,
          world.grants.issue({ accountId: code.accountId, clientId: client.id, scopes: code.scopes }),
        );
      }
      if (grantType === 'refresh_token') {
        const grant = world.grants.refresh(form.get('refresh_token') ?? '', client.id);
        if (!grant)
          return sendOAuthError(res, 400, 'invalid_request', 'Value passed for the token was invalid.');
        return tokenResponse(res, grant);
      }
      if (!grantType)
        return sendOAuthError(res, 400, 'invalid_request', 'Missing required parameter [grant_type].');
      return sendOAuthError(res, 400, 'unsupported_grant_type', `Unsupported grant type [${grantType}].`);
    }),
  );

  app.post(
    '/2/oauth2/revoke',
    route('POST /2/oauth2/revoke', (req, res, { body }) => {
      const form = new URLSearchParams(body);
      const client = sandboxClient(req);
      if (!client)
        return sendOAuthError(res, 401, 'unauthorized_client', 'Missing valid authorization header');
      const token = form.get('token');
      if (!token) return sendOAuthError(res, 400, 'invalid_request', 'Missing required parameter [token].');
      // RFC 7009: an unknown token is not an error; the answer is the same.
      world.grants.revokeToken(token);
      res.status(200).json({ revoked: true });
    }),
  );

  // ── Data ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Bearer token → grant, then the per-user and per-app windows; answers 401/403/429 itself. */
  function admit(req: Request, res: Response, endpoint: DataEndpoint, scopes: string[]): Grant | undefined {
    const limiters = world.limiters[endpoint];
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const { grant } = token ? world.grants.authenticate(token) : {};
    if (!grant) {
      setRateLimitHeaders(res, limiters.perUser, '(unauthenticated)');
      sendProblem(res, 401);
      return undefined;
    }
    res.locals.user = grant.accountId;
    const userLimited = limiters.perUser.isLimited(grant.accountId);
    const appLimited = limiters.perApp?.isLimited(grant.clientId) ?? false;
    if (userLimited || appLimited) {
      res.locals.whileRateLimited = true;
      const limiter = userLimited ? limiters.perUser : limiters.perApp!;
      const key = userLimited ? grant.accountId : grant.clientId;
      sendThrottled(res, { limit: limiter.limit, resetAtMs: limiter.resetAt(key) });
      return undefined;
    }
    limiters.perUser.tryHit(grant.accountId);
    limiters.perApp?.tryHit(grant.clientId);
    setRateLimitHeaders(res, limiters.perUser, grant.accountId);
    if (scopes.some((s) => !grant.scopes.includes(s))) {
      sendProblem(res, 403);
      return undefined;
    }
    // Endpoints that return posts count toward the monthly post cap (users/me does not).
    if (POST_CAPPED.has(endpoint) && world.usageCap.exhausted()) {
      res.locals.whileRateLimited = true;
      sendUsageCapped(res);
      return undefined;
    }
    return grant;
  }

  type Problem = { parameter: string; value: string; message: string };

  function checkParams(query: URLSearchParams, allowed: string[], problems: Problem[]): void {
    for (const name of new Set(query.keys())) {
      if (!allowed.includes(name)) {
        problems.push({
          parameter: name,
          value: query.get(name) ?? '',
          message: `The query parameter [${name}] is not one of [${allowed.join(',')}]`,
        });
      }
    }
  }

  function fieldList<T extends string>(
    query: URLSearchParams,
    name: string,
    known: readonly T[],
    problems: Problem[],
  ): Set<T> {
    const raw = query.get(name);
    const out = new Set<T>();
    if (raw === null) return out;
    for (const value of raw.split(',')) {
      if ((known as readonly string[]).includes(value)) out.add(value as T);
      else
        problems.push({
          parameter: name,
          value,
          message: `The \`${name}\` query parameter value [${value}] is not one of [${known.join(',')}]`,
        });
    }
    return out;
  }

  function idParam(query: URLSearchParams, name: string, problems: Problem[]): bigint | undefined {
    const raw = query.get(name);
    if (raw === null) return undefined;
    if (!ID.test(raw)) {
      problems.push({
        parameter: name,
        value: raw,
        message: `The \`${name}\` query parameter value [${raw}] does not match ^[0-9]{1,19}$`,
      });
      return undefined;
    }
    return BigInt(raw);
  }

  function timeParam(query: URLSearchParams, name: string, problems: Problem[]): number | undefined {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ms)) {
      problems.push({
        parameter: name,
        value: raw,
        message: `The \`${name}\` query parameter value [${raw}] is not a valid RFC 3339 date-time (YYYY-MM-DDTHH:mm:ssZ)`,
      });
      return undefined;
    }
    return ms;
  }

  app.get(
    '/2/users/me',
    route('GET /2/users/me', (req, res, { query }) => {
      const grant = admit(req, res, 'GET /2/users/me', ['tweet.read', 'users.read']);
      if (!grant) return;
      const problems: Problem[] = [];
      checkParams(query, ['user.fields', 'expansions', 'tweet.fields'], problems);
      const fields = fieldList<UserField>(query, 'user.fields', USER_FIELDS, problems);
      if (problems.length > 0) return sendInvalidRequest(res, problems);
      const account = world.accounts.get(grant.accountId);
      if (!account) return sendProblem(res, 401);
      res.json({ data: renderUser(account, fields) });
    }),
  );

  /** Whether X lets this caller see non-public metrics of this post (author's own, last 30 days). */
  function nonPublicAllowed(grant: Grant, tweet: SandboxTweet): boolean {
    return tweet.authorId === grant.accountId && world.clock.now() - tweet.createdAt < NON_PUBLIC_WINDOW_MS;
  }

  app.get(
    '/2/users/:id/tweets',
    route('GET /2/users/:id/tweets', (req, res, { query }) => {
      const grant = admit(req, res, 'GET /2/users/:id/tweets', ['tweet.read', 'users.read']);
      if (!grant) return;
      const problems: Problem[] = [];
      const userId = String(req.params.id);
      if (!ID.test(userId))
        problems.push({
          parameter: 'id',
          value: userId,
          message: `The \`id\` query parameter value [${userId}] does not match ^[0-9]{1,19}$`,
        });
      checkParams(
        query,
        [
          'max_results',
          'pagination_token',
          'since_id',
          'until_id',
          'start_time',
          'end_time',
          'exclude',
          'tweet.fields',
        ],
        problems,
      );
      const maxRaw = query.get('max_results');
      const max = maxRaw === null ? 10 : Number(maxRaw);
      if (!Number.isInteger(max) || max < 5 || max > 100) {
        problems.push({
          parameter: 'max_results',
          value: maxRaw ?? '',
          message: `The \`max_results\` query parameter value [${maxRaw}] is not between 5 and 100`,
        });
      }
      const sinceId = idParam(query, 'since_id', problems);
      const untilId = idParam(query, 'until_id', problems);
      const startTime = timeParam(query, 'start_time', problems);
      const endTime = timeParam(query, 'end_time', problems);
      const exclude = fieldList(query, 'exclude', ['retweets', 'replies'] as const, problems);
      const fields = fieldList<TweetField>(query, 'tweet.fields', TWEET_FIELDS, problems);
      const tokenRaw = query.get('pagination_token');
      const cursor = tokenRaw === null ? undefined : decodePaginationToken(tokenRaw);
      if (tokenRaw !== null && cursor === undefined) {
        problems.push({
          parameter: 'pagination_token',
          value: tokenRaw,
          message: `The \`pagination_token\` query parameter value [${tokenRaw}] is not valid`,
        });
      }
      if (problems.length > 0) return sendInvalidRequest(res, problems);

      const account = world.accounts.get(userId);
      if (!account) return void res.json({ errors: [notFoundError('user', 'id', userId)] });

      const matching = world.reachableTweets(account).filter((t) => {
        const id = BigInt(t.id);
        if (exclude.has('retweets') && t.type === 'retweet') return false;
        if (exclude.has('replies') && t.type === 'reply') return false;
        if (sinceId !== undefined && id <= sinceId) return false;
        if (untilId !== undefined && id >= untilId) return false;
        if (startTime !== undefined && t.createdAt < startTime) return false;
        if (endTime !== undefined && t.createdAt >= endTime) return false;
        return true;
      });
      const start = cursor === undefined ? 0 : matching.findIndex((t) => BigInt(t.id) <= cursor);
      const from = start === -1 ? matching.length : start;
      let page = matching.slice(from, from + max);
      const next = matching[from + max];
      // X's quirk: asking for non-public/organic metrics drops every post it may not show them for, so pages
      // over older (or other people's) posts come back short or empty while next_token still leads on.
      if (NON_PUBLIC_FIELDS.some((f) => fields.has(f))) page = page.filter((t) => nonPublicAllowed(grant, t));
      const now = world.clock.now();
      const meta: Record<string, unknown> = { result_count: page.length };
      if (page.length > 0) {
        meta.newest_id = page[0]!.id;
        meta.oldest_id = page[page.length - 1]!.id;
      }
      if (next) meta.next_token = encodePaginationToken(next.id);
      world.usageCap.charge(page.length);
      res.json(page.length > 0 ? { data: page.map((t) => renderTweet(t, fields, now)), meta } : { meta });
    }),
  );

  app.get(
    '/2/tweets',
    route('GET /2/tweets', (req, res, { query }) => {
      const grant = admit(req, res, 'GET /2/tweets', ['tweet.read', 'users.read']);
      if (!grant) return;
      const problems: Problem[] = [];
      checkParams(query, ['ids', 'tweet.fields'], problems);
      const idsRaw = query.get('ids') ?? '';
      const ids = idsRaw.split(',').filter(Boolean);
      if (ids.length < 1 || ids.length > 100) {
        problems.push({
          parameter: 'ids',
          value: idsRaw,
          message: `The \`ids\` query parameter value [${idsRaw}] is not between 1 and 100 ids`,
        });
      }
      for (const id of ids)
        if (!ID.test(id))
          problems.push({
            parameter: 'ids',
            value: id,
            message: `The \`ids\` query parameter value [${id}] does not match ^[0-9]{1,19}$`,
          });
      const fields = fieldList<TweetField>(query, 'tweet.fields', TWEET_FIELDS, problems);
      if (problems.length > 0) return sendInvalidRequest(res, problems);

      const now = world.clock.now();
      const data: unknown[] = [];
      const errors: unknown[] = [];
      for (const id of ids) {
        const found = world.findTweet(id);
        if (!found) {
          errors.push(notFoundError('tweet', 'ids', id));
          continue;
        }
        let shown = fields;
        if (!nonPublicAllowed(grant, found.tweet)) {
          // The post is still returned, without the fields X will not show, plus one error per such field.
          const denied = NON_PUBLIC_FIELDS.filter((f) => fields.has(f));
          for (const f of denied) errors.push(fieldNotAuthorizedError(f, id));
          shown = new Set([...fields].filter((f) => !denied.includes(f)));
        }
        data.push(renderTweet(found.tweet, shown, now));
      }
      world.usageCap.charge(data.length);
      res.json({ ...(data.length > 0 ? { data } : {}), ...(errors.length > 0 ? { errors } : {}) });
    }),
  );

  mountDeliveryRoutes(app, world, route);

  // Anything else under X's hosts: X's 404 problem.
  app.use((req, res) => {
    res.locals.endpoint = `${req.method} ${req.path}`;
    sendProblem(res, 404);
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (!res.headersSent) sendProblem(res, 500);
    res.locals.error = (err as Error).message;
  });

  return app;
}
