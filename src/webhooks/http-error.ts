/**
 * Errors the routes throw on purpose, and the one place that turns any error into a JSON answer.
 * Every error answer has the shape `{"error": "<reason>"}`.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import type { Logger } from '../shared/logger';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** Temporal could not be reached (or did not answer in time): callers may retry, nothing was done. */
export function isTemporalUnavailable(err: unknown): boolean {
  if (err instanceof ServiceError) return true;
  // gRPC status 14 (UNAVAILABLE) and 4 (DEADLINE_EXCEEDED) surface as plain errors with `code` from some paths.
  const code = (err as { code?: unknown } | null)?.code;
  return code === 14 || code === 4;
}

/**
 * Errors of Express itself and of body-parser carry a 4xx `status` (or `statusCode`): entity.too.large,
 * entity.parse.failed, and the router's URIError for a malformed %-escape in the path. They are the client's
 * mistake, answered with that status and never logged as failures (finding 8 of issue 14).
 */
export function clientErrorStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500
    ? status
    : undefined;
}

function clientErrorMessage(err: unknown, status: number): string {
  if (status === 413) return 'request body too large';
  if (err instanceof URIError) return 'malformed request path';
  if (typeof (err as { type?: unknown } | null)?.type === 'string') return 'malformed request body';
  return status === 404 ? 'not found' : 'bad request';
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not found' });
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = 'internal error';
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (clientErrorStatus(err) !== undefined) {
      status = clientErrorStatus(err)!;
      message = clientErrorMessage(err, status);
    } else if ((err as Error | null)?.name === 'ConnectionNotFoundError') {
      // The sync engine has no workflow for this connection (never connected, or disconnected meanwhile).
      status = 404;
      message = 'no such connection';
    } else if ((err as Error | null)?.name === 'SyncRefusedError') {
      // The connection workflow refused the sync, e.g. while it needs re-authorization: the caller must act first.
      status = 409;
      message = (err as Error).message;
    } else if (err instanceof WorkflowFailedError) {
      // `?wait=true` on a sync that failed: its cause is a classified platform failure (never carries a token).
      status = 502;
      message = `the sync failed: ${err.cause?.message ?? err.message}`;
    } else if (isTemporalUnavailable(err)) {
      status = 503;
      message = 'sync engine unavailable, try again later';
    }
    if (status >= 500) logger.error({ err, method: req.method, route: req.route?.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: message });
  };
}
