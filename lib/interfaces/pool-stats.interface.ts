import type { PoolState } from './pool-status.interface';

/** A summary of durations, in milliseconds; percentiles over the most recent 1 024 samples. */
export interface DurationSummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A snapshot of what a pool has done since it started, from `pool.stats()`. */
export interface PoolStats {
  /** The pool's name; `null` for the default pool. */
  readonly pool: string | null;
  readonly state: PoolState;
  readonly size: number;
  readonly workers: { readonly busy: number; readonly idle: number; readonly starting: number };
  /** Jobs waiting for a worker now. */
  readonly queued: number;
  readonly jobs: {
    /** Ended with a result. */
    readonly completed: number;
    /**
     * Ended with an error of their own, a timeout (run or queue), arguments that could not be posted to a worker,
     * or a refusal after they were queued. Every job the pool accepted is in exactly one of these counters.
     */
    readonly failed: number;
    /** Killed their worker. */
    readonly panicked: number;
    /** Cancelled by their caller (unsubscribed or aborted). */
    readonly cancelled: number;
    /** Refused on submission (queue full, pool closed or killed). */
    readonly refused: number;
  };
  readonly respawns: number;
  readonly recycled: number;
  /** Time jobs waited in the queue before they started. */
  readonly waitMs: DurationSummary;
  /** Time jobs ran, from start to end. */
  readonly runMs: DurationSummary;
  /** Share of the workers' time spent running jobs since the pool started, 0 to 1. */
  readonly utilization: number;
  readonly uptimeMs: number;
  /**
   * A shared queue's counts, for a pool whose `transport` is one (BullMQ): jobs of every instance, read from
   * Redis at most once a second. Absent for a local pool, whose own queue is `queued`.
   */
  readonly queue?: QueueCounts;
}

/** Jobs in a shared queue (every instance's), as last read. */
export interface QueueCounts {
  /** Waiting for any instance to take them (prioritized ones included). */
  readonly waiting: number;
  /** Running on some instance. */
  readonly active: number;
  readonly delayed: number;
  /** Kept in the queue's failed set (jobs the queue itself gave up on, such as ones stalled too often). */
  readonly failed: number;
  /** When they were read (`Date.now()`); 0 before the first read. */
  readonly readAt: number;
  /** Whether this instance's connections to Redis are up now (the health indicator reports the pool down if not). */
  readonly reachable: boolean;
}
