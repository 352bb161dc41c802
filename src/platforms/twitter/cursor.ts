/**
 * The opaque `listItems` cursor. A timeline sync walks two phases because X shows non-public metrics only for
 * the last 30 days and, when asked for them, drops older posts from its pages:
 *   recent — `start_time=boundary`, with non_public_metrics/organic_metrics;
 *   older  — `end_time=boundary+1s`, public_metrics only.
 * The boundary is fixed when the sync starts and travels in the cursor, so every page of one sync agrees.
 */
import { z } from 'zod';

export const TimelineCursor = z.object({
  phase: z.enum(['recent', 'older']),
  /** ISO instant, whole seconds. */
  boundary: z.string().datetime(),
  /** X's `next_token` within the phase. */
  token: z.string().min(1).optional(),
});
export type TimelineCursor = z.infer<typeof TimelineCursor>;

export function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Undefined for a cursor this connector did not write (the caller then treats it as a bad request). */
export function decodeCursor(text: string): TimelineCursor | undefined {
  try {
    const parsed = TimelineCursor.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** X wants `YYYY-MM-DDTHH:mm:ssZ` (second precision). */
export function xTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
