/**
 * The OAuth connect flow without HTTP: `start` keeps state + PKCE verifier server-side and builds the authorize URL;
 * `complete` consumes the state (single use), exchanges the code, stores the tokens, indexes the account and asks
 * the sync engine to create the schedule and run the initial sync. Any failure before the tokens are saved changes
 * nothing; a failure of the sync engine after that rolls the stored tokens and index entry back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '../platforms/http';
import { codeChallenge, createCodeVerifier } from '../platforms/oauth/pkce';
import { isPlatformError } from '../platforms/errors';
import type { PlatformConnector, PlatformId, TokenSet } from '../platforms/types';
import type { Logger } from '../shared/logger';
import { loadReadableTokens } from '../store/token-store';
import type { AccountIndex, ConnectionDoc, TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import { parseCookies } from './cookies';
import { HttpError, isTemporalUnavailable } from './http-error';
import type { OAuthStateRecord, OAuthStateStore } from '../store';
import type { ConnectionKey } from '../domain';

export interface ConnectFlowDeps {
  publicBaseUrl: string;
  /** Mark binding cookies Secure (`__Secure-` prefix); default: PUBLIC_BASE_URL is https. */
  secureCookies?: boolean;
  stateTtlMs: number;
  oauthStates: OAuthStateStore;
  tokenStore: TokenStore;
  accountIndex: AccountIndex;
  syncService: SyncService;
  logger: Logger;
  /** Where the webhook subscription outcome is recorded (the connection document); absent = only logged. */
  connections?: ConnectionRecorder;
}

/** The one write the flow makes to the connection document: `webhooks: {subscribed, error}`. */
export interface ConnectionRecorder {
  updateConnection(key: ConnectionKey, patch: Partial<ConnectionDoc>): Promise<void>;
}

export interface StartRequest {
  userId: string;
  connector: PlatformConnector;
  /**
   * Bind the state to the starting browser (default). `false` is the explicit admin hand-off for an operator who
   * opens the URL in a browser of their own choosing (e.g. `socialsync connect` without `--approve`).
   */
  bindBrowser?: boolean;
}

/** The cookie that binds a connect to the browser that started it. */
export interface BrowserBinding {
  cookieName: string;
  nonce: string;
  /** `Set-Cookie` value for the starting response. */
  setCookie: string;
  /** `Cookie` header value a non-browser client (CLI, service) presents on the callback itself. */
  cookie: string;
}

export interface Started {
  authorizeUrl: string;
  binding?: BrowserBinding;
}

export interface CompleteRequest {
  connector: PlatformConnector;
  state?: string;
  code?: string;
  /** The callback request's `Cookie` header (carries the browser binding). */
  cookieHeader?: string;
  /** The platform's `error` parameter, e.g. `access_denied` when the user clicked "Cancel". */
  error?: string;
  errorDescription?: string;
}

export interface Connected {
  userId: string;
  platform: PlatformId;
  accountId: string;
  workflowId: string;
  runId: string;
}

export function redirectUriFor(publicBaseUrl: string, platform: PlatformId): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/oauth/${platform}/callback`;
}

/** Instagram may append `#_` to the code in the redirect; it is not part of the code. */
export function cleanCode(code: string): string {
  return code.endsWith('#_') ? code.slice(0, -2) : code;
}

export class ConnectFlow {
  private readonly log: Logger;

  constructor(private readonly deps: ConnectFlowDeps) {
    this.log = deps.logger.child({ module: 'oauth' });
  }

  async start({ userId, connector, bindBrowser = true }: StartRequest): Promise<Started> {
    const { oauth, id: platform } = connector;
    const redirectUri = redirectUriFor(this.deps.publicBaseUrl, platform);
    const codeVerifier = oauth.pkce === 'none' ? undefined : createCodeVerifier();
    const binding = bindBrowser ? this.newBinding(platform) : undefined;
    const state = await this.deps.oauthStates.create({
      userId,
      platform,
      redirectUri,
      codeVerifier,
      ...(binding ? { browserBinding: sha256Hex(binding.nonce) } : {}),
      ttlMs: this.deps.stateTtlMs,
    });
    const authorizeUrl = oauth.authorizeUrl({
      state,
      redirectUri,
      codeChallenge:
        codeVerifier && oauth.pkce !== 'none' ? codeChallenge(codeVerifier, oauth.pkce) : undefined,
    });
    this.log.info({ userId, platform, bound: Boolean(binding) }, 'authorization started');
    return binding ? { authorizeUrl, binding } : { authorizeUrl };
  }

  /** The binding cookie's name for a platform: one pending connect per platform and browser. */
  cookieName(platform: PlatformId): string {
    return `${this.secure() ? '__Secure-' : ''}socialsync_oauth_${platform}`;
  }

  /** `Set-Cookie` value that removes the binding cookie once its callback was answered. */
  clearedCookie(platform: PlatformId): string {
    return `${this.cookieName(platform)}=; ${this.cookieScope(platform)}; Max-Age=0`;
  }

  private secure(): boolean {
    return this.deps.secureCookies ?? this.deps.publicBaseUrl.startsWith('https:');
  }

  private cookieScope(platform: PlatformId): string {
    const path = new URL(redirectUriFor(this.deps.publicBaseUrl, platform)).pathname;
    return `Path=${path}; HttpOnly; SameSite=Lax${this.secure() ? '; Secure' : ''}`;
  }

  private newBinding(platform: PlatformId): BrowserBinding {
    const nonce = randomBytes(32).toString('base64url');
    const cookieName = this.cookieName(platform);
    const maxAge = Math.ceil(this.deps.stateTtlMs / 1000);
    return {
      cookieName,
      nonce,
      setCookie: `${cookieName}=${nonce}; ${this.cookieScope(platform)}; Max-Age=${maxAge}`,
      cookie: `${cookieName}=${nonce}`,
    };
  }

  private boundToThisBrowser(pending: OAuthStateRecord, cookieHeader: string | undefined): boolean {
    if (pending.browserBinding === undefined) return true;
    const name = this.cookieName(pending.platform);
    const nonce = parseCookies(cookieHeader).get(name);
    if (!nonce) return false;
    return safeEqual(Buffer.from(sha256Hex(nonce), 'hex'), Buffer.from(pending.browserBinding, 'hex'));
  }

  async complete(req: CompleteRequest): Promise<Connected> {
    const platform = req.connector.id;
    if (!req.state) throw new HttpError(400, 'missing state parameter');
    // Consumed first, whatever comes next: a state is good for exactly one redirect, even a denied one.
    const pending = await this.deps.oauthStates.consume(req.state, platform);
    if (req.error) {
      this.log.info({ platform, error: req.error }, 'authorization denied at the platform');
      const detail = req.errorDescription ? `: ${req.errorDescription}` : '';
      throw new HttpError(400, `authorization was not granted (${req.error}${detail})`);
    }
    if (!pending) {
      throw new HttpError(
        400,
        'unknown, expired or already used state (or one for another platform); start the connection again',
      );
    }
    // Stores that cannot check the platform themselves hand the record back: refuse it here (it is spent by now).
    // A state issued for another callback of this platform (e.g. its business authorization) is not this one's.
    if (
      pending.platform !== platform ||
      pending.redirectUri !== redirectUriFor(this.deps.publicBaseUrl, platform)
    ) {
      this.log.warn({ platform, expected: pending.platform }, 'state used on the wrong callback');
      throw new HttpError(400, 'state does not belong to this platform; start the connection again');
    }
    if (!this.boundToThisBrowser(pending, req.cookieHeader)) {
      this.log.warn(
        { platform, userId: pending.userId },
        'callback from a browser that did not start this connect refused',
      );
      throw new HttpError(
        403,
        'this browser did not start this connection (or its cookie expired); start the connection again from the app',
      );
    }
    if (!req.code) throw new HttpError(400, 'missing code parameter');

    const tokens = await this.exchange(req.connector, {
      code: cleanCode(req.code),
      redirectUri: pending.redirectUri,
      codeVerifier: pending.codeVerifier,
    });
    const key: ConnectionKey = { userId: pending.userId, platform };
    // An undecryptable previous token must not block the reconnect that replaces it (finding 5 of issue 14).
    const { tokens: previous } = await loadReadableTokens(this.deps.tokenStore, key, this.log);
    const run = await this.persistAndConnect(key, tokens, previous);
    await this.subscribeWebhooks(req.connector, key, tokens, previous);
    this.log.info({ userId: key.userId, platform, accountId: tokens.accountId }, 'connected');
    return { ...key, accountId: tokens.accountId, ...run };
  }

  private async exchange(
    connector: PlatformConnector,
    req: { code: string; redirectUri: string; codeVerifier?: string },
  ): Promise<TokenSet> {
    try {
      return await connector.oauth.exchangeCode(req);
    } catch (err) {
      this.log.warn({ platform: connector.id, err: summarize(err) }, 'code exchange failed');
      // The platform's verdict on the code (invalid, expired, reused) is final; its outages are not.
      if (isPlatformError(err) && !err.retryable) {
        throw new HttpError(400, 'the platform refused the authorization code; start the connection again', {
          cause: err,
        });
      }
      throw new HttpError(
        502,
        'the platform did not complete the token exchange; start the connection again',
        {
          cause: err,
        },
      );
    }
  }

  private async persistAndConnect(
    key: ConnectionKey,
    tokens: TokenSet,
    previous: TokenSet | undefined,
  ): Promise<{ workflowId: string; runId: string }> {
    const { tokenStore, accountIndex, syncService } = this.deps;
    await tokenStore.save(key, tokens);
    await accountIndex.put(key.platform, tokens.accountId, key);
    let run: { workflowId: string; runId: string };
    try {
      run = await syncService.connect({ ...key, accountId: tokens.accountId });
    } catch (err) {
      await this.rollback(key, tokens, previous);
      if (isTemporalUnavailable(err))
        throw new HttpError(503, 'sync engine unavailable; start the connection again', { cause: err });
      throw err;
    }
    // Reconnected with a different account: webhooks of the old one no longer concern this user.
    if (previous && previous.accountId !== tokens.accountId) {
      await accountIndex.remove(key.platform, previous.accountId, key);
    }
    return run;
  }

  /**
   * Webhook delivery at the platform for the connected account (connect and reconnect alike; subscribing is
   * idempotent). A failure never loses the connection: it is logged without secrets and recorded on the connection
   * document, and the scheduled sync still covers the account. A reconnect to another account drops the old one's.
   */
  private async subscribeWebhooks(
    connector: PlatformConnector,
    key: ConnectionKey,
    tokens: TokenSet,
    previous: TokenSet | undefined,
  ): Promise<void> {
    const subscriptions = connector.subscriptions;
    if (!subscriptions) return;
    if (previous && previous.accountId !== tokens.accountId) {
      await subscriptions.unsubscribe(previous).catch((err: unknown) => {
        this.log.warn(
          { ...key, err: summarize(err) },
          'webhook unsubscription of the previous account failed',
        );
      });
    }
    let webhooks: NonNullable<ConnectionDoc['webhooks']>;
    try {
      await subscriptions.subscribe(tokens);
      webhooks = { subscribed: true, error: null };
    } catch (err) {
      const facts = summarize(err);
      this.log.warn(
        { ...key, err: facts },
        'webhook subscription failed; scheduled syncs still cover the account',
      );
      webhooks = { subscribed: false, error: String(facts.message) };
    }
    try {
      await this.deps.connections?.updateConnection(key, { webhooks });
    } catch (err) {
      this.log.error({ ...key, err: summarize(err) }, 'could not record the webhook subscription state');
    }
  }

  /** Puts tokens and index back as they were before this callback; failures are logged, the original error wins. */
  private async rollback(
    key: ConnectionKey,
    tokens: TokenSet,
    previous: TokenSet | undefined,
  ): Promise<void> {
    const { tokenStore, accountIndex } = this.deps;
    try {
      if (previous) await tokenStore.save(key, previous);
      else await tokenStore.delete(key);
      if (previous?.accountId !== tokens.accountId)
        await accountIndex.remove(key.platform, tokens.accountId, key);
    } catch (err) {
      this.log.error({ ...key, err: summarize(err) }, 'rollback after failed connect did not complete');
    }
  }
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Error facts worth logging; never the request that carried the code or tokens. */
export function summarize(err: unknown): Record<string, unknown> {
  if (isPlatformError(err)) {
    return { kind: err.kind, status: err.status, platformCode: err.platformCode, message: err.message };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}
