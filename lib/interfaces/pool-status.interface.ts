/** `starting` until the first worker is ready; `killing`/`killed` after a panic under PanicSwitch.Kill. */
export type PoolState = 'starting' | 'running' | 'closing' | 'closed' | 'killing' | 'killed';

/** A snapshot of the pool, from `pool.status()`. */
export interface PoolStatus {
  readonly state: PoolState;
  /** Workers the pool keeps (its configured size). */
  readonly size: number;
  readonly idle: number;
  readonly busy: number;
  /** Workers booting their Nest context (at startup, or replacing one that panicked). */
  readonly starting: number;
  /** Jobs waiting for a worker. */
  readonly queued: number;
  /** True while the queue is full (see `Pool.saturated$`). */
  readonly saturated: boolean;
  /** Jobs (or idle workers) that panicked since the pool started. */
  readonly panics: number;
  /** Workers started to replace one that panicked or was terminated (a cancelled job that would not stop). */
  readonly respawns: number;
  /** Workers replaced by recycling (`recycleAfterJobs`, `recycleAboveHeapMb`). */
  readonly recycled: number;
}
