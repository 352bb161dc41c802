/**
 * Readiness probes for `/readyz`: Temporal and Firestore reachable. Each probe is one cheap call with a deadline.
 */
import type { ConnectionLike } from '@temporalio/client';
import type { Firestore } from 'firebase-admin/firestore';
import { DEFAULT_LIMITS, type ReadinessCheck } from './deps';

/** Temporal frontend answers `GetSystemInfo` (no namespace, no side effects). */
export function temporalReadiness(
  connection: ConnectionLike,
  timeoutMs = DEFAULT_LIMITS.readinessTimeoutMs,
): ReadinessCheck {
  return {
    name: 'temporal',
    async check() {
      await connection.withDeadline(Date.now() + timeoutMs, () =>
        connection.workflowService.getSystemInfo({}),
      );
    },
  };
}

/** A read of one (possibly missing) document: proves the emulator or Firestore answers, writes nothing. */
export function firestoreReadiness(db: Firestore): ReadinessCheck {
  return {
    name: 'firestore',
    async check() {
      await db.doc('_readiness/probe').get();
    },
  };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

/** Runs every check in parallel; a check that does not settle within `timeoutMs` counts as failed. */
export async function runReadiness(checks: ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, 'ok'];
      } catch (err) {
        return [c.name, (err instanceof Error ? err.message : String(err)).slice(0, 200)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: entries.every(([, v]) => v === 'ok'), checks: Object.fromEntries(entries) };
}
