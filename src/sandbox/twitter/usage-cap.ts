/**
 * X's monthly cap of Post reads on pay-per-use plans (https://docs.x.com/x-api/fundamentals/post-cap): every post an
 * answer of a capped endpoint returns counts; once the cap is reached those endpoints answer 429 with the
 * `usage-capped` problem until the billing cycle resets (the project's `cap_reset_day`, here the 1st, 00:00 UTC).
 * Off unless the control API sets a cap (`PUT /_sandbox/usage-cap`).
 */
import type { SandboxClock } from '../core/clock';

export interface UsageCapState {
  /** Posts per billing cycle; null: no cap. */
  postCap: number | null;
  /** Posts returned in the current cycle. */
  used: number;
  /** `YYYY-MM` of the current cycle (UTC). */
  cycle: string;
  /** ISO instant the current cycle ends. */
  resetsAt: string;
}

function cycleOf(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

function nextReset(now: number): number {
  const at = new Date(now);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
}

export class UsageCap {
  private postCap: number | null = null;
  private used = 0;
  private cycle: string;

  constructor(private readonly clock: SandboxClock) {
    this.cycle = cycleOf(clock.now());
  }

  /** Sets (or removes, with null) the cap; `used` pins the posts already read this cycle. */
  set(opts: { postCap: number | null; used?: number }): UsageCapState {
    this.roll();
    this.postCap = opts.postCap;
    if (opts.used !== undefined) this.used = opts.used;
    return this.state();
  }

  /** True when the cap of the current cycle is reached: capped endpoints answer 429 usage-capped. */
  exhausted(): boolean {
    this.roll();
    return this.postCap !== null && this.used >= this.postCap;
  }

  /** Posts an answer returned. */
  charge(posts: number): void {
    this.roll();
    this.used += posts;
  }

  state(): UsageCapState {
    this.roll();
    return {
      postCap: this.postCap,
      used: this.used,
      cycle: this.cycle,
      resetsAt: new Date(nextReset(this.clock.now())).toISOString(),
    };
  }

  private roll(): void {
    const cycle = cycleOf(this.clock.now());
    if (cycle !== this.cycle) {
      this.cycle = cycle;
      this.used = 0;
    }
  }
}
