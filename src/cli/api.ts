/**
 * A small client of the running service's management API (bearer ADMIN_API_KEY), used by the CLI and by the demo
 * bootstrap of `npm start`. Errors carry the HTTP status and the service's `{"error"}` message.
 */
import type { PlatformId } from '../platforms/types';
import type { ConnectionStatus, SyncSummary } from '../domain';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The service could not be reached at all (not running, wrong URL). */
export class ServiceUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `cannot reach the socialsync service at ${url} (${(cause as Error).message}); is \`npm start\` running?`,
      {
        cause,
      },
    );
    this.name = 'ServiceUnreachableError';
  }
}

export interface ServiceApiOptions {
  baseUrl: string;
  adminApiKey: string;
  /** Per-request timeout (default 30 s; `sync --wait` passes a longer one). */
  timeoutMs?: number;
}

export class ServiceApi {
  private readonly base: string;

  constructor(private readonly opts: ServiceApiOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  private connectionPath(userId: string, platform: PlatformId): string {
    return `/api/users/${encodeURIComponent(userId)}/connections/${platform}`;
  }

  async request<T>(
    method: string,
    path: string,
    opts: { body?: unknown; timeoutMs?: number } = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.adminApiKey}`,
          accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new ApiError(504, `${method} ${path} timed out`);
      throw new ServiceUnreachableError(this.base, err);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const message =
        (json as { error?: string } | undefined)?.error ?? (text.slice(0, 200) || res.statusText);
      throw new ApiError(res.status, message);
    }
    return json as T;
  }

  /**
   * `callbackCookie` (admin key only) is the browser binding to present on the callback; `bindBrowser: false`
   * asks for a state any browser may finish (an operator opening the URL themself).
   */
  startConnect(
    userId: string,
    platform: PlatformId,
    opts: { bindBrowser?: boolean } = {},
  ): Promise<{ authorizeUrl: string; callbackCookie?: string }> {
    const body = opts.bindBrowser === false ? { bindBrowser: false } : {};
    return this.request('POST', this.connectionPath(userId, platform), { body });
  }

  status(userId: string, platform: PlatformId): Promise<ConnectionStatus> {
    return this.request('GET', this.connectionPath(userId, platform));
  }

  /** `undefined` when the connection does not exist (404). */
  async statusOrUndefined(userId: string, platform: PlatformId): Promise<ConnectionStatus | undefined> {
    try {
      return await this.status(userId, platform);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  syncNow(
    userId: string,
    platform: PlatformId,
    mode: 'manual' | 'backfill' = 'manual',
  ): Promise<{ workflowId: string; runId: string }> {
    return this.request('POST', `${this.connectionPath(userId, platform)}/sync`, { body: { mode } });
  }

  syncAndWait(
    userId: string,
    platform: PlatformId,
    opts: { mode?: 'manual' | 'backfill'; timeoutMs: number },
  ): Promise<SyncSummary> {
    return this.request('POST', `${this.connectionPath(userId, platform)}/sync?wait=true`, {
      body: { mode: opts.mode ?? 'manual' },
      timeoutMs: opts.timeoutMs,
    });
  }

  disconnect(userId: string, platform: PlatformId): Promise<{ status: string; revoked: boolean }> {
    return this.request('DELETE', this.connectionPath(userId, platform));
  }
}
