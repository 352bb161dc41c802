/**
 * The connector HTTP kit: one transport (request with timeout, lossless JSON, zod validation, the platform's
 * error classification, bounded retries, usage per rate-limit bucket) and the helpers around it (headers,
 * reset times, HMAC and constant-time comparison). Every platform folder uses it; none has its own transport.
 */
export * from './client';
export * from './headers';
export * from './json';
export * from './retry';
export * from './signing';
