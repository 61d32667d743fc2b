import type { DurationSummary } from '../interfaces/pool-stats.interface';

const WINDOW = 1024;

/** Durations: exact count, mean and max over all samples, percentiles over the most recent WINDOW. */
export class DurationRecorder {
  private readonly recent = new Float64Array(WINDOW);
  private count = 0;
  private total = 0;
  private max = 0;

  record(ms: number): void {
    this.recent[this.count % WINDOW] = ms;
    this.count++;
    this.total += ms;
    if (ms > this.max) this.max = ms;
  }

  summary(): DurationSummary {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    const sorted = this.recent.slice(0, Math.min(this.count, WINDOW)).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { count: this.count, mean: this.total / this.count, p50: at(0.5), p99: at(0.99), max: this.max };
  }
}

/** What the supervisor counts as jobs go by; read by `pool.stats()`. */
export class PoolCounters {
  readonly startedAt = Date.now();
  completed = 0;
  failed = 0;
  panicked = 0;
  cancelled = 0;
  refused = 0;
  /** Run time of jobs that have ended, in ms. */
  busyMs = 0;
  readonly wait = new DurationRecorder();
  readonly run = new DurationRecorder();
}
