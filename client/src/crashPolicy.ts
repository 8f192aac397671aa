/** When to restart a language server that died: a bounded number of restarts within a time window. */

/** The decision after a crash. */
export interface CrashDecision {
  restart: boolean;
  /** What to tell the user when the server is not restarted. */
  message?: string;
}

/** Counts crashes in a sliding window; restarts until `limit` crashes happened within `windowMs`, then gives up. */
export class CrashPolicy {
  private readonly crashes: number[] = [];

  constructor(
    readonly limit = 5,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** Records a crash at `now` (ms) and says whether to restart. */
  onCrash(now: number): CrashDecision {
    this.crashes.push(now);
    while (this.crashes.length && now - this.crashes[0] > this.windowMs) this.crashes.shift();
    if (this.crashes.length < this.limit) return { restart: true };
    const minutes = Math.round(this.windowMs / 60_000);
    return {
      restart: false,
      message:
        `The Steady server stopped unexpectedly ${this.crashes.length} times in ${minutes} minutes and will not be restarted. ` +
        'The Steady output has the details; run "Steady: Restart Server" to try again.',
    };
  }

  /** Forgets past crashes (after a manual restart). */
  reset(): void {
    this.crashes.length = 0;
  }
}
