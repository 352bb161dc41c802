/** What a client did: every request a sandbox platform received, with per-endpoint counters. */
export interface LoggedRequest {
  at: number;
  method: string;
  /** Path with query string exactly as received. */
  url: string;
  path: string;
  /** Documented endpoint form, e.g. `GET /2/users/:id/tweets`. */
  endpoint: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body as text (form or JSON), for asserting what the client sent. */
  body: string;
  status: number;
  /** The caller (user/app) had used up its window when this request arrived. */
  whileRateLimited: boolean;
  /** The platform's user the request acted for, when known. */
  user?: string;
}

export interface RequestStats {
  total: number;
  byEndpoint: Record<string, number>;
  rateLimitedServed: number;
  requestsWhileRateLimited: number;
  byStatus: Record<string, number>;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  all(filter?: { endpoint?: string; user?: string }): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (filter?.endpoint === undefined || e.endpoint === filter.endpoint) &&
        (filter?.user === undefined || e.user === filter.user),
    );
  }

  stats(): RequestStats {
    const stats: RequestStats = {
      total: 0,
      byEndpoint: {},
      rateLimitedServed: 0,
      requestsWhileRateLimited: 0,
      byStatus: {},
    };
    for (const e of this.entries) {
      stats.total += 1;
      stats.byEndpoint[e.endpoint] = (stats.byEndpoint[e.endpoint] ?? 0) + 1;
      stats.byStatus[String(e.status)] = (stats.byStatus[String(e.status)] ?? 0) + 1;
      if (e.status === 429) stats.rateLimitedServed += 1;
      if (e.whileRateLimited) stats.requestsWhileRateLimited += 1;
    }
    return stats;
  }

  clear(): void {
    this.entries = [];
  }
}
