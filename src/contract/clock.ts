/**
 * @module contract/clock
 * Time is injected: the live pipeline reads the wall clock (or the scenario's accelerated clock),
 * replays read event time, and tests advance a clock by hand.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

/**
 * A clock that runs `speed` times faster than the wall from `start`, and at wall speed once it
 * reaches `until` (a scenario's end), so live timers stay sensible after the replay.
 */
export class AcceleratedClock implements Clock {
  private readonly wallStart: number;
  constructor(
    readonly start: number,
    readonly speed: number,
    readonly until = Number.POSITIVE_INFINITY,
    private readonly wall: () => number = Date.now,
  ) {
    this.wallStart = wall();
  }
  now(): number {
    const elapsed = this.wall() - this.wallStart;
    const accelerated = this.start + elapsed * this.speed;
    if (accelerated <= this.until) return accelerated;
    const wallAtUntil = (this.until - this.start) / this.speed;
    return this.until + (elapsed - wallAtUntil);
  }
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
