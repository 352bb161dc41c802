/**
 * Who may touch `/api/users/{userId}/...`: a service holding `ADMIN_API_KEY`, or the user themself with a Firebase
 * ID token whose uid equals `{userId}`. Missing or invalid credentials → 401; a valid user token for another user → 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Auth } from 'firebase-admin/auth';
import type { Logger } from '../shared/logger';
import type { IdTokenVerifier } from './deps';
import { HttpError } from './http-error';
import { clientIp, refuse, type RateLimiter } from './rate-limit';

export type Principal = { kind: 'service' } | { kind: 'user'; uid: string };

/**
 * Compares secrets in constant time. Both sides are hashed first so neither the content nor the length of the
 * expected key leaks through timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * firebase-admin's verifier; with FIREBASE_AUTH_EMULATOR_HOST set it accepts the emulator's unsigned tokens.
 * `checkRevoked` (one Auth lookup per call) refuses tokens of disabled users and tokens issued before the user's
 * refresh tokens were revoked: a signed-out or banned user loses access at once, not when the hour-long ID token
 * expires (finding 4 of issue 14).
 */
export function firebaseIdTokenVerifier(auth: Auth): IdTokenVerifier {
  return {
    async verifyIdToken(idToken) {
      const decoded = await auth.verifyIdToken(idToken, true);
      return { uid: decoded.uid };
    },
  };
}

export interface AccessDeps {
  adminApiKey: string | undefined;
  idTokens: IdTokenVerifier;
  logger: Logger;
  /** Requests with missing or bad credentials, per client IP: over the limit → 429 before any check. */
  failuresPerIp?: RateLimiter;
}

/**
 * Middleware for routes with a `:userId` parameter; sets `res.locals.principal`. A client that keeps failing to
 * authenticate is refused with 429 (finding 7 of issue 14) before any ID token verification is attempted; the
 * admin key is checked first (a constant-time compare) and never limited.
 */
export function requireUserAccess(deps: AccessDeps): RequestHandler {
  const failed = (req: Request, message: string): never => {
    deps.failuresPerIp?.take(clientIp(req));
    throw new HttpError(401, message);
  };
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    // The admin key is never locked out by other clients' failures from the same address (e.g. behind a proxy).
    if (token && deps.adminApiKey && secretsEqual(token, deps.adminApiKey)) {
      res.locals.principal = { kind: 'service' } satisfies Principal;
      return next();
    }
    const wait = deps.failuresPerIp?.peek(clientIp(req)) ?? 0;
    if (wait > 0) refuse(res, wait);
    if (!token) return failed(req, 'missing bearer token');
    let uid: string;
    try {
      ({ uid } = await deps.idTokens.verifyIdToken(token));
    } catch (err) {
      // The reason (expired, revoked, malformed…) helps ops; the token itself is never logged.
      deps.logger.info(
        { reason: (err as { code?: string }).code ?? (err as Error).message },
        'rejected ID token',
      );
      return failed(req, 'invalid or expired token');
    }
    if (uid !== req.params.userId) throw new HttpError(403, 'token does not belong to this user');
    res.locals.principal = { kind: 'user', uid } satisfies Principal;
    next();
  };
}

/** Limits on writes by end users (finding 7 of issue 14); the service principal (admin key) is not limited. */
export function userWriteLimit(limiters: { perUser: RateLimiter; perIp: RateLimiter }): RequestHandler {
  return (req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.kind === 'user') {
      const wait = Math.max(limiters.perIp.take(clientIp(req)), limiters.perUser.take(principal.uid));
      if (wait > 0) refuse(res, wait);
    }
    next();
  };
}
