import type { SandboxClock } from './clock';

/** Sliding-window counter per key, on the sandbox clock: how the platforms count calls per user and per app. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly clock: SandboxClock,
    public limit: number,
    public windowMs: number,
  ) {}

  private window(key: string): number[] {
    const now = this.clock.now();
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.hits.set(key, list);
    return list;
  }

  /** True while `key` has used its whole window (a call now would be refused). */
  isLimited(key: string): boolean {
    return this.window(key).length >= this.limit;
  }

  /** Records a call if the window has room; returns false (and records nothing) when limited. */
  tryHit(key: string): boolean {
    const list = this.window(key);
    if (list.length >= this.limit) return false;
    list.push(this.clock.now());
    return true;
  }

  remaining(key: string): number {
    return Math.max(0, this.limit - this.window(key).length);
  }

  /** Epoch ms when the oldest call in the window leaves it (the platform's "reset"). */
  resetAt(key: string): number {
    const list = this.window(key);
    return list.length === 0 ? this.clock.now() : list[0]! + this.windowMs;
  }

  /** Share of the window used, 0..100 (Meta's usage headers). */
  usagePercent(key: string): number {
    return Math.min(100, Math.round((this.window(key).length / this.limit) * 100));
  }

  reset(): void {
    this.hits.clear();
  }
}
