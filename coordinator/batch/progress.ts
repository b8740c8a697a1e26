// Rate and ETA of a running batch: items finished per second over a sliding window of recent samples, so the
// ETA follows the current pace (a restart or a worker joining changes it) instead of the average since start.

const WINDOW_MS = 10_000;

export class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];

  constructor(private readonly windowMs = WINDOW_MS) {}

  /** Records that `done` items were finished at `at` (ms). */
  sample(done: number, at = Date.now()): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
  }

  /** Items per second over the window (0 until two samples are apart in time). */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, last.done - first.done) / seconds : 0;
  }

  /** Milliseconds left for `remaining` items at the current rate; 0 when the rate is unknown. */
  etaMs(remaining: number): number {
    const rate = this.rate();
    return rate > 0 ? Math.round((remaining / rate) * 1000) : 0;
  }
}
