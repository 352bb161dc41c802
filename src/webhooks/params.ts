/**
 * zod schemas for every path, query and body the service accepts, and helpers that turn a failed parse into a
 * 400 naming the reason (or 404 for a platform this deployment does not serve).
 */
import { z } from 'zod';
import { PlatformId, type PlatformConnector } from '../platforms/types';
import type { ConnectorRegistry } from '../platforms/registry';
import { HttpError } from './http-error';

/**
 * A Firebase uid is 1..128 characters; it becomes a Firestore document id, so `/` and the reserved ids
 * `.`, `..` and `__…__` are refused.
 */
export const UserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^/\s]+$/, 'must not contain "/" or whitespace')
  .refine((v) => v !== '.' && v !== '..' && !/^__.*__$/.test(v), 'is a reserved Firestore id');

export const SyncQuery = z.object({
  wait: z.enum(['true', 'false']).optional(),
});

export const SyncBody = z
  .object({
    mode: z.enum(['manual', 'backfill']).optional(),
  })
  .strict();

/** No body, or an empty JSON object. */
export const EmptyBody = z.object({}).strict();

/** The redirect back from the platform: a code, or an error (user denied, scope refused…). */
export const CallbackQuery = z.object({
  state: z.string().min(1).max(512).optional(),
  code: z.string().min(1).max(2048).optional(),
  error: z.string().max(256).optional(),
  error_reason: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});
export type CallbackQuery = z.infer<typeof CallbackQuery>;

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const reason = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new HttpError(400, `invalid ${what}: ${reason}`);
}

/** The connector for a path's `:platform`; unknown or unconfigured platforms are 404. */
export function connectorFor(connectors: ConnectorRegistry, raw: unknown): PlatformConnector {
  const parsed = PlatformId.safeParse(raw);
  const connector = parsed.success ? connectors[parsed.data] : undefined;
  if (!connector) throw new HttpError(404, `unknown platform "${String(raw).slice(0, 40)}"`);
  return connector;
}

/** Request bodies arrive as `undefined` (no body), or parsed JSON. */
export function bodyOf(body: unknown): unknown {
  return body === undefined ? {} : body;
}
