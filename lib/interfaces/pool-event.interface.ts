/** Why a worker thread ended. */
export type WorkerDownReason = 'panic' | 'boot-failed' | 'cancelled-job' | 'recycled' | 'shutdown' | 'killed';

interface EventBase {
  /** `Date.now()` when it happened. */
  readonly at: number;
}

interface JobEventBase extends EventBase {
  readonly jobId: number;
  /** `PrimesJobs.countPrimes`, `function fib`. */
  readonly job: string;
}

/** The pool's lifecycle, from `pool.events$`. */
export type PoolEvent =
  | (EventBase & { readonly type: 'worker-up'; readonly workerId: number })
  | (EventBase & { readonly type: 'worker-down'; readonly workerId: number; readonly reason: WorkerDownReason })
  | (JobEventBase & { readonly type: 'job-queued' })
  | (JobEventBase & { readonly type: 'job-started'; readonly workerId: number; readonly waitMs: number })
  | (JobEventBase & { readonly type: 'job-done'; readonly workerId: number; readonly runMs: number })
  | (JobEventBase & { readonly type: 'job-failed'; readonly error: string; readonly runMs?: number })
  | (JobEventBase & { readonly type: 'job-panicked'; readonly workerId: number; readonly reason: string })
  | (JobEventBase & { readonly type: 'job-cancelled' })
  /** Refused on submission: the queue was full, or the pool closed or killed. */
  | (JobEventBase & { readonly type: 'job-refused'; readonly error: string });

export type PoolEventType = PoolEvent['type'];
