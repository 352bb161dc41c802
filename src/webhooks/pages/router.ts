/**
 * The dashboard under `/ui`: log in with the admin key, then the users page (every user with a connection, paged,
 * searchable by id prefix, problems first), per user "Connect Instagram / X / TikTok" buttons, each connection's
 * status, last sync, follower counts and top posts, and "Sync now", and per connection a page of charts (trends,
 * engagement, audience), sync history and what is unavailable. Plain HTML forms that redirect (POST → 303 → GET)
 * and server-rendered SVG, so the page works without any script.
 */
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { ITEM_KINDS, PLATFORM_IDS, PlatformId, type PlatformConnector } from '../../platforms/types';
import type { Logger } from '../../shared/logger';
import type { SyncSink } from '../../store/types';
import type { SyncService } from '../../sync/service';
import { secretsEqual } from '../auth';
import type { ConnectorRegistry } from '../../platforms/registry';
import { clientErrorStatus, HttpError } from '../http-error';
import { escapeHtml, platformName } from '../oauth-page';
import { UserId } from '../params';
import { clientIp, rateLimit, RateLimiter, type BucketOptions } from '../rate-limit';
import { renderDashboard, renderLogin, type DashboardView, type PlatformCard } from './render';
import { dashboardSessions } from './session';
import type { TopItemsReader } from './top-items';
import type { ConnectionKey } from '../../domain';
import type { DashboardReader } from './dashboard-reader';
import { renderPlatformPage } from './platform-view';
import type { SyncHistory, SyncHistoryReader } from './sync-history';
import { temporalUiLinks, type TemporalUiSettings } from './temporal-ui';
import { renderUsers } from './users-view';

/**
 * Starts an OAuth connect (ConnectFlow.start of the HTTP service: state and PKCE verifier stay server-side); its
 * binding cookie goes to the admin's browser with the redirect, so only that browser can finish the connect.
 */
export interface ConnectStarter {
  start(req: {
    userId: string;
    connector: PlatformConnector;
  }): Promise<{ authorizeUrl: string; binding?: { setCookie: string } }>;
}

export interface DashboardDeps {
  adminApiKey: string | undefined;
  /** Mark the session cookie `Secure` (the service is reached over https). */
  secureCookies: boolean;
  connectors: ConnectorRegistry;
  connect: ConnectStarter;
  syncService: SyncService;
  sink: Pick<SyncSink, 'readConnection'>;
  items: TopItemsReader;
  /** Users list, daily insights and recent items, read from Firestore. */
  reader: DashboardReader;
  /** Recent syncs from Temporal; without it the connection page says the history is unavailable. */
  history?: SyncHistoryReader;
  /** The Temporal Web UI, for links to a user's runs and a connection's schedule. */
  temporalUi?: TemporalUiSettings;
  /** Users per page of the users list (default 50). */
  usersPerPage?: number;
  /** Origins of the platforms' consent pages: the connect forms redirect there, so CSP `form-action` allows them. */
  authorizeOrigins: string[];
  /** Where `/ui` lands after login (default `demo`, the user `npm start` creates). */
  defaultUserId?: string;
  logger: Logger;
  /** How many top posts per connection (default 5). */
  topItems?: number;
  /** Lifetime of a dashboard session (default 8 h). */
  sessionTtlMs?: number;
  /** Login attempts per client IP and in all (brute force of the admin key); dashboard actions per client IP. */
  rateLimits?: Partial<DashboardRateLimits>;
}

export interface DashboardRateLimits {
  loginPerIp: BucketOptions;
  loginTotal: BucketOptions;
  actionsPerIp: BucketOptions;
}

export const DEFAULT_DASHBOARD_RATE_LIMITS: DashboardRateLimits = {
  loginPerIp: { capacity: 5, refillPerSecond: 1 / 12 },
  loginTotal: { capacity: 30, refillPerSecond: 0.5 },
  actionsPerIp: { capacity: 60, refillPerSecond: 1 },
};

const NOTICES: Record<string, { kind: 'info' | 'error'; text: (platform: string) => string }> = {
  'sync-started': {
    kind: 'info',
    text: (p) => `Sync of ${p} started; this page refreshes until it is done.`,
  },
  'not-connected': { kind: 'error', text: (p) => `${p} is not connected for this user.` },
  'sync-refused': {
    kind: 'error',
    text: (p) => `${p} cannot sync right now (it needs to be reconnected or is being disconnected).`,
  },
};

const IN_PROGRESS = new Set(['connecting', 'syncing']);
/** Stored days drawn in the trend charts (about a quarter). */
const DAYS_SHOWN = 90;
/** Recent posts drawn in the engagement chart. */
const POSTS_SHOWN = 12;

export function dashboardRouter(deps: DashboardDeps): Router {
  const router = Router();
  const log = deps.logger.child({ module: 'dashboard' });
  const defaultUser = deps.defaultUserId ?? 'demo';
  const topCount = deps.topItems ?? 5;
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `form-action 'self' ${deps.authorizeOrigins.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

  router.use('/ui', (_req, res, next) => {
    res.set('Content-Security-Policy', csp);
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  // Finding 7 of issue 14: every login attempt costs a token per IP and one of the global bucket (a distributed
  // guesser is slowed too); connect and sync buttons are limited per IP.
  const rates = { ...DEFAULT_DASHBOARD_RATE_LIMITS, ...deps.rateLimits };
  const loginLimit = rateLimit([
    { limiter: new RateLimiter(rates.loginPerIp), key: (req) => clientIp(req) },
    { limiter: new RateLimiter(rates.loginTotal), key: () => 'all' },
  ]);
  const actionLimit = rateLimit([
    { limiter: new RateLimiter(rates.actionsPerIp), key: (req) => clientIp(req) },
  ]);

  const sessions = dashboardSessions({
    adminApiKey: deps.adminApiKey,
    secure: deps.secureCookies,
    ttlMs: deps.sessionTtlMs,
  });
  const hasSession = (req: Request) => sessions.valid(req.get('cookie'));
  const requireSession: RequestHandler = (req, res, next) => {
    if (hasSession(req)) return next();
    if (req.method === 'GET') return res.redirect(303, '/ui/login');
    throw new HttpError(401, 'log in first');
  };
  const userOf = (req: Request): string => {
    const parsed = UserId.safeParse(req.params.userId ?? req.query.user);
    if (!parsed.success) throw new HttpError(400, 'invalid user id');
    return parsed.data;
  };
  const connectorOf = (req: Request): PlatformConnector => {
    const parsed = PlatformId.safeParse(req.params.platform);
    const connector = parsed.success ? deps.connectors[parsed.data] : undefined;
    if (!connector) throw new HttpError(404, 'unknown platform');
    return connector;
  };
  const back = (res: Response, userId: string, notice?: string, platform?: string): void => {
    const query = notice ? `?notice=${notice}&platform=${platform}` : '';
    res.redirect(303, `/ui/users/${encodeURIComponent(userId)}${query}`);
  };

  router.get('/ui', (req, res) => {
    res.redirect(303, hasSession(req) ? `/ui/users/${defaultUser}` : '/ui/login');
  });
  router.get('/ui/login', (_req, res) => {
    res.type('html').send(renderLogin({ configured: Boolean(deps.adminApiKey) }));
  });
  router.post('/ui/login', loginLimit, form, (req, res) => {
    const key = typeof req.body?.key === 'string' ? req.body.key : '';
    if (!deps.adminApiKey || !secretsEqual(key, deps.adminApiKey)) {
      log.info('dashboard login refused');
      res
        .status(401)
        .type('html')
        .send(renderLogin({ configured: Boolean(deps.adminApiKey), error: 'Wrong key.' }));
      return;
    }
    res.set('Set-Cookie', sessions.issue());
    res.redirect(303, `/ui/users/${defaultUser}`);
  });
  router.post('/ui/logout', (req, res) => {
    res.set('Set-Cookie', sessions.revoke(req.get('cookie')));
    res.redirect(303, '/ui/login');
  });

  const usersPerPage = deps.usersPerPage ?? 50;
  const ATTENTION_LIMIT = 50;
  /** An optional id (prefix or cursor) from the query string: absent when empty, 400 when malformed. */
  const optionalId = (value: unknown, what: string): string | undefined => {
    if (value === undefined || value === '') return undefined;
    const parsed = UserId.safeParse(value);
    if (!parsed.success) throw new HttpError(400, `invalid ${what}`);
    return parsed.data;
  };

  router.get('/ui/users', requireSession, async (req, res) => {
    // The header's "Open user" form: straight to that user.
    if (req.query.user !== undefined) {
      res.redirect(303, `/ui/users/${encodeURIComponent(userOf(req))}`);
      return;
    }
    const prefix = optionalId(req.query.q, 'search');
    const after = optionalId(req.query.after, 'page cursor');
    const firstPage = !prefix && !after;
    // The attention list needs its collection-group index (firestore.indexes.json); without it the list is
    // reported missing and the users are still listed.
    let attentionError: string | undefined;
    const [users, attention] = await Promise.all([
      deps.reader.listUsers({ limit: usersPerPage, after, prefix }),
      firstPage
        ? deps.reader.problems(ATTENTION_LIMIT).catch((err: unknown) => {
            attentionError = (err as Error).message.split('\n')[0];
            log.warn({ err: { message: attentionError } }, 'dashboard attention query failed');
            return undefined;
          })
        : Promise.resolve(undefined),
    ]);
    res.type('html').send(
      renderUsers({
        users: users.users,
        next: users.next,
        prefix,
        after,
        attention,
        attentionLimit: ATTENTION_LIMIT,
        attentionError,
      }),
    );
  });

  router.get('/ui/users/:userId/platforms/:platform', requireSession, async (req, res) => {
    const userId = userOf(req);
    const parsed = PlatformId.safeParse(req.params.platform);
    if (!parsed.success) throw new HttpError(404, 'unknown platform');
    const key: ConnectionKey = { userId, platform: parsed.data };
    const kind = ITEM_KINDS[key.platform][0]!;
    const noHistory: SyncHistory = { runs: [], unavailable: ['this deployment reads no sync history'] };
    const [status, doc, days, items, history] = await Promise.all([
      deps.syncService.status(key),
      deps.sink.readConnection(key),
      deps.reader.dailyInsights(key, DAYS_SHOWN),
      deps.reader.recentItems(key, kind, POSTS_SHOWN),
      deps.history ? deps.history.history(key) : Promise.resolve(noHistory),
    ]);
    res.type('html').send(
      renderPlatformPage({
        userId,
        platform: key.platform,
        status,
        profile: doc?.profile,
        audience: doc?.audience,
        unavailable: doc?.unavailable,
        webhooks: doc?.webhooks,
        days,
        items,
        history: status ? history : { runs: [], unavailable: [] },
        temporal: deps.temporalUi ? temporalUiLinks(deps.temporalUi, key) : undefined,
        refreshSeconds: status && IN_PROGRESS.has(status.status) ? 5 : undefined,
      }),
    );
  });

  router.get('/ui/users/:userId', requireSession, async (req, res) => {
    const userId = userOf(req);
    const cards = await Promise.all(PLATFORM_IDS.map((platform) => cardOf({ userId, platform })));
    const code = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
    const platform = PlatformId.safeParse(req.query.platform);
    const view: DashboardView = {
      userId,
      cards,
      notice:
        code && platform.success
          ? { kind: code.kind, text: code.text(platformName(platform.data)) }
          : undefined,
      refreshSeconds: cards.some((c) => c.status && IN_PROGRESS.has(c.status.status)) ? 2 : undefined,
    };
    res.type('html').send(renderDashboard(view));
  });

  router.post('/ui/users/:userId/connect/:platform', requireSession, actionLimit, async (req, res) => {
    const userId = userOf(req);
    const { authorizeUrl, binding } = await deps.connect.start({ userId, connector: connectorOf(req) });
    if (binding) res.append('Set-Cookie', binding.setCookie);
    res.redirect(303, authorizeUrl);
  });

  router.post('/ui/users/:userId/sync/:platform', requireSession, actionLimit, async (req, res) => {
    const userId = userOf(req);
    const key: ConnectionKey = { userId, platform: connectorOf(req).id };
    const status = await deps.syncService.status(key);
    if (!status || status.status === 'disconnected') return back(res, userId, 'not-connected', key.platform);
    try {
      await deps.syncService.syncNow(key, { mode: 'manual' });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'ConnectionNotFoundError') return back(res, userId, 'not-connected', key.platform);
      if (name === 'SyncRefusedError') return back(res, userId, 'sync-refused', key.platform);
      throw err;
    }
    log.info({ userId, platform: key.platform }, 'sync requested from the dashboard');
    back(res, userId, 'sync-started', key.platform);
  });

  router.use('/ui', ((err, _req, res, _next) => {
    void _next;
    const status = err instanceof HttpError ? err.status : (clientErrorStatus(err) ?? 500);
    if (status >= 500)
      log.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'dashboard error');
    const message =
      err instanceof HttpError
        ? err.message
        : status < 500
          ? 'Bad request.'
          : 'Something went wrong; see the service log.';
    res
      .status(status)
      .type('html')
      .send(
        `<!doctype html><title>Error · socialsync</title><p>${escapeHtml(message)}</p><p><a href="/ui">Back</a></p>`,
      );
  }) as ErrorRequestHandler);

  async function cardOf(key: ConnectionKey): Promise<PlatformCard> {
    if (!deps.connectors[key.platform]) return { platform: key.platform, available: false, topItems: [] };
    const [status, doc] = await Promise.all([deps.syncService.status(key), deps.sink.readConnection(key)]);
    const connected = status !== undefined && status.status !== 'disconnected';
    const topItems = connected ? await deps.items.topItems(key, ITEM_KINDS[key.platform][0]!, topCount) : [];
    return { platform: key.platform, available: true, status, profile: doc?.profile, topItems };
  }

  return router;
}
