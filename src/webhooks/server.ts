/**
 * Serving the app with a graceful shutdown: `close()` marks the service draining (`/readyz` → 503 so load
 * balancers stop sending), stops accepting connections, lets in-flight requests finish (a webhook being handed to
 * Temporal must get its answer) and cuts whatever is still open after `graceMs`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../shared/logger';
import type { DrainState } from './deps';

export interface HttpService {
  url: string;
  port: number;
  server: http.Server;
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface ServeOptions {
  app: Express;
  port: number;
  host?: string;
  drain?: DrainState;
  logger: Logger;
}

export async function serve({
  app,
  port,
  host = '0.0.0.0',
  drain,
  logger,
}: ServeOptions): Promise<HttpService> {
  const server = http.createServer(app);
  // Longer than typical load-balancer idle timeouts, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const log = logger.child({ module: 'server' });
  log.info({ port: address.port }, 'HTTP service listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    server,
    close({ graceMs = 10_000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        if (drain) drain.draining = true;
        const force = setTimeout(() => {
          log.warn({ graceMs }, 'forcing open connections closed');
          server.closeAllConnections();
        }, graceMs);
        force.unref();
        // Keep-alive sockets hold `close` open until they time out: close each one as soon as its last response is
        // out (in-flight requests are left alone).
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          log.info('HTTP service stopped');
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
