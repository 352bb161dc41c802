/**
 * X's own response formats: problem JSON for 401/429/5xx, the "Invalid Request" body for bad parameters,
 * partial `errors[]` entries, OAuth error bodies, and the `x-rate-limit-*` headers.
 */
import type { Response } from 'express';
import type { SlidingWindowLimiter } from '../core/limiter';
import { USAGE_CAPPED_PROBLEM } from './facts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS_TITLES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `{"title","type":"about:blank","status","detail"}` exactly as X sends its 401 and 429 (and 5xx). */
export function sendProblem(res: Response, status: number): void {
  const title = STATUS_TITLES[status] ?? 'Error';
  // Set the header by hand: express's res.type() would append `; charset=utf-8`, which X does not send.
  res.status(status).setHeader('content-type', PROBLEM_CONTENT_TYPE);
  res.end(JSON.stringify({ title, type: 'about:blank', status, detail: title }));
}

/** 400 for a bad query parameter, in X's "Invalid Request" shape (`application/json`). */
export function sendInvalidRequest(
  res: Response,
  problems: { parameter: string; value: string; message: string }[],
): void {
  res.status(400).json({
    errors: problems.map((p) => ({ parameters: { [p.parameter]: [p.value] }, message: p.message })),
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });
}

export function notFoundError(resourceType: 'user' | 'tweet', parameter: string, id: string) {
  const what = resourceType === 'user' ? 'user' : 'tweet';
  return {
    value: id,
    detail: `Could not find ${what} with ${parameter}: [${id}].`,
    title: 'Not Found Error',
    resource_type: resourceType,
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

export function fieldNotAuthorizedError(field: string, id: string) {
  return {
    value: id,
    detail: `Sorry, you are not authorized to access '${field}' on the Tweet with id: [${id}].`,
    title: 'Authorization Error',
    resource_type: 'tweet',
    parameter: field,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/not-authorized-for-resource',
  };
}

export function sendOAuthError(res: Response, status: 400 | 401, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function setRateLimitHeaders(res: Response, limiter: SlidingWindowLimiter, key: string): void {
  res.setHeader('x-rate-limit-limit', String(limiter.limit));
  res.setHeader('x-rate-limit-remaining', String(limiter.remaining(key)));
  res.setHeader('x-rate-limit-reset', String(Math.ceil(limiter.resetAt(key) / 1000)));
}

/** A 429 whose headers name the window that is exhausted (remaining 0, reset when the oldest call leaves it). */
export function sendThrottled(res: Response, headers: { limit: number; resetAtMs: number }): void {
  res.setHeader('x-rate-limit-limit', String(headers.limit));
  res.setHeader('x-rate-limit-remaining', '0');
  res.setHeader('x-rate-limit-reset', String(Math.ceil(headers.resetAtMs / 1000)));
  sendProblem(res, 429);
}

/**
 * The monthly usage cap: 429 with the `usage-capped` problem. The `x-rate-limit-*` headers already set for the
 * request stay as they are (the window still has room), which is how a client tells the cap from a window limit.
 */
export function sendUsageCapped(res: Response): void {
  res.status(429).setHeader('content-type', PROBLEM_CONTENT_TYPE);
  res.end(JSON.stringify(USAGE_CAPPED_PROBLEM));
}
