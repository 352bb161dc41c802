/**
 * What a process running workers reports about itself: whether its workers still run (part of `/readyz`), and its
 * metrics — the process's own (prom-client's default collectors: CPU, memory, event loop lag, GC) and the Temporal
 * SDK's runtime metrics (worker task slots, poll and schedule-to-start latencies, sticky cache…).
 *
 * The SDK's runtime (the Rust core) exports its metrics through a Prometheus exporter of its own, configured once per
 * process in `Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } })`. That exporter
 * binds a loopback port only (`temporalRuntimeTelemetry`) and `ProcessMetricsRegistry` appends what it serves to the
 * registry's own text, so one `GET /metrics`, under the usual access rule, shows both.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TelemetryOptions } from '@temporalio/worker';
import type { WorkersHandle } from './index';

/** A dependency `/readyz` checks (the shape of ReadinessCheck in src/webhooks/deps.ts). */
export interface WorkersReadiness {
  name: string;
  check(): Promise<void>;
  /** From now on the check fails: the process is draining its workers. */
  markStopping(): void;
}

/** Fails once the workers stopped, failed or are being drained. */
export function workersReadiness(workers: WorkersHandle): WorkersReadiness {
  let state: 'running' | 'stopping' | 'stopped' | 'failed' = 'running';
  workers.done.then(
    () => (state = 'stopped'),
    () => (state = 'failed'),
  );
  return {
    name: 'workers',
    async check() {
      if (state !== 'running') throw new Error(`workers ${state}`);
    },
    markStopping() {
      if (state === 'running') state = 'stopping';
    },
  };
}

/** Telemetry options for `Runtime.install`: the SDK's Prometheus exporter on a loopback port. */
export function temporalRuntimeTelemetry(port: number): TelemetryOptions {
  return { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } };
}

/**
 * A prom-client registry with the process's default metrics that, when given the URL of the SDK's exporter, appends
 * the SDK's runtime metrics to its text. The two never share a name: ours start with `socialsync_`, `process_` and
 * `nodejs_`, the SDK's with `temporal_`.
 */
export class ProcessMetricsRegistry extends Registry {
  constructor(private readonly temporalMetricsUrl?: string) {
    super();
    collectDefaultMetrics({ register: this });
  }

  override async metrics(): Promise<string> {
    const own = await super.metrics();
    if (!this.temporalMetricsUrl) return own;
    try {
      const res = await fetch(this.temporalMetricsUrl, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return `${own.trimEnd()}\n${(await res.text()).trimEnd()}\n`;
    } catch (err) {
      // Our own metrics still count; the gap is visible as a comment rather than a failed scrape.
      return `${own.trimEnd()}\n# Temporal SDK runtime metrics unavailable: ${(err as Error).message}\n`;
    }
  }
}
