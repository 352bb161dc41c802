/** A controllable clock shared by the three sandbox platforms: tests jump 6 hours or 30 days with `advance`. */
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  now(): number {
    return this.realNow() + this.offsetMs;
  }

  /** Moves simulated time forward (never backward: platforms' data only ever ages). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance needs a non-negative duration, got ${ms}`);
    this.offsetMs += ms;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
