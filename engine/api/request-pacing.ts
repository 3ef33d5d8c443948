/**
 * Pacing for requests to a served model: a cap on requests in flight (`--concurrency`) and a floor on
 * the time between request starts (`--qps`, OpenCompass's `query_per_second`). Both apply to every
 * attempt, retries included, so a server that is already struggling is not hit harder by them.
 */

/** At most `limit` holders at once; waiters are served in arrival order. */
export class ConcurrencyGate {
  readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Most holders seen at once (tests check the cap with it). */
  peak = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a whole number ≥ 1, got ${limit}`);
    this.limit = limit;
  }

  async acquire(): Promise<void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    this.peak = Math.max(this.peak, this.active);
  }

  /** Hands the slot straight to the next waiter, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}

/** Spaces request starts at least 1/qps seconds apart (no bursts: a served model's limit is usually per second). */
export class StartRateLimiter {
  private readonly intervalMs: number;
  private nextStart = 0;

  constructor(queriesPerSecond: number | undefined, private readonly now: () => number = () => performance.now()) {
    if (queriesPerSecond !== undefined && !(queriesPerSecond > 0)) throw new Error(`queries per second must be > 0, got ${queriesPerSecond}`);
    this.intervalMs = queriesPerSecond === undefined ? 0 : 1000 / queriesPerSecond;
  }

  /** Resolves when the caller may start its request. */
  async wait(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = this.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await sleep(start - now);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
