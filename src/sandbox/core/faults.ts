import type { SandboxClock } from './clock';
import { Random } from './random';

/**
 * Injected failures. A platform asks `take(endpoint)` before serving a request and renders the rule in its own
 * error format (status, body, content type), so a fault looks exactly like the real platform failing.
 */
export interface FaultRule {
  /** Documented endpoint (`GET /me`) or `*` for every endpoint. */
  endpoint: string;
  /** Answer with this HTTP status (5xx for outages). */
  status?: number;
  /** Answer as the platform's throttle/429 response (with reset headers / codes where the platform sends them). */
  rateLimit?: boolean;
  /** Seconds until the throttle lifts, for `rateLimit` faults. */
  retryAfterSeconds?: number;
  /** Delay before answering (ms of real time). */
  latencyMs?: number;
  /** Never answer: the client must time out. */
  timeout?: boolean;
  /** Reset the connection without an answer. */
  reset?: boolean;
  /** Chance per matching request, 0..1 (default 1). */
  probability?: number;
  /** Fire this many times, then disappear (default: unlimited). */
  times?: number;
  /** Sandbox-clock epoch ms after which the rule is gone. */
  untilMs?: number;
}

export interface ActiveFault extends FaultRule {
  id: number;
  fired: number;
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private readonly random: Random;

  constructor(
    private readonly clock: SandboxClock,
    seed = 1,
  ) {
    this.random = new Random(seed);
  }

  add(rule: FaultRule): ActiveFault {
    const active = { ...rule, id: this.nextId++, fired: 0 };
    this.rules.push(active);
    return active;
  }

  list(): ActiveFault[] {
    this.prune();
    return [...this.rules];
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this request, if any (consumes one of its `times`). */
  take(endpoint: string): ActiveFault | undefined {
    this.prune();
    for (const rule of this.rules) {
      if (rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
      if (rule.probability !== undefined && this.random.next() >= rule.probability) continue;
      rule.fired += 1;
      if (rule.times !== undefined && rule.fired >= rule.times)
        this.rules = this.rules.filter((r) => r !== rule);
      return rule;
    }
    return undefined;
  }

  private prune(): void {
    const now = this.clock.now();
    this.rules = this.rules.filter((r) => r.untilMs === undefined || r.untilMs > now);
  }
}
