/** Per-call settings: `pool.with({ timeout: 5_000, priority: 1 }).execute(...)`. */
export interface JobOptions {
  /** Milliseconds the job may run, counted from the start of its run (not from submission). Default: the pool's `jobTimeout`. */
  timeout?: number;
  /** Milliseconds the job may wait in the queue before it starts. Default: the pool's `queueTimeout`. */
  queueTimeout?: number;
  /** Higher starts first; FIFO within a priority; waiting raises it (see `priorityAging`). Default: 0. */
  priority?: number;
  /** Cancels the job when aborted, for callers that do not unsubscribe; the Observable fails with `JobCancelledError`. */
  signal?: AbortSignal;
  /** Receives what the job reports with `JobContext.progress(value)`. */
  onProgress?: (value: unknown) => void;
}
