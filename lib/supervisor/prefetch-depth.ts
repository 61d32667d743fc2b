import { MAX_PREFETCH } from '../protocol/lanes';

/** The run time worth of jobs a busy worker is sent ahead. */
const BUDGET_MS = 1;
/** How much the latest run moves the estimate. */
const WEIGHT = 0.1;

/**
 * How many jobs a busy worker is sent to start after its current one: enough that it never waits for the
 * supervisor's answer to a status, and no more, so a job submitted later with a higher priority waits behind
 * little. Jobs that run for a millisecond or more get one; tiny jobs get up to `MAX_PREFETCH`, which also lets
 * the supervisor send them in fewer, larger messages.
 */
export class PrefetchDepth {
  /** A moving average of run times, from the supervisor's view: one status to the next. */
  private runMs = BUDGET_MS;

  record(runMs: number): void {
    this.runMs += (runMs - this.runMs) * WEIGHT;
  }

  get value(): number {
    return this.runMs * MAX_PREFETCH <= BUDGET_MS ? MAX_PREFETCH : Math.max(1, Math.floor(BUDGET_MS / this.runMs));
  }
}
