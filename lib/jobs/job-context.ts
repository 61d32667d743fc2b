import { Injectable } from '@nestjs/common';

/** The job a worker is running, as the job sees it. */
export interface ActiveJob {
  readonly id: number;
  readonly signal: AbortSignal;
  progress(value: unknown): void;
}

const outsideAJob: ActiveJob = { id: 0, signal: new AbortController().signal, progress: () => undefined };
let active: ActiveJob = outsideAJob;

/** @internal The worker's runner marks the job it starts and ends; a worker runs one job at a time. */
export function enterJob(job: ActiveJob): void {
  active = job;
}

/** @internal */
export function leaveJob(): void {
  active = outsideAJob;
}

/**
 * The running job, for the job's own code: inject it into a job provider (`constructor(private readonly job:
 * JobContext)`); a self-contained `function` (not an arrow) gets it as `this`. Outside a pool job, for example
 * when a job method is called directly on the main thread, `signal` never aborts and `progress` does nothing.
 */
@Injectable()
export class JobContext {
  /**
   * Aborted when the caller cancels the job (unsubscribes, or aborts the signal it passed) or the job times
   * out. Read it at the start of the job and keep it: a worker runs one job at a time, and once this one has
   * ended the context describes the next.
   */
  get signal(): AbortSignal {
    return active.signal;
  }

  /** The running job's id (0 outside a job). */
  get jobId(): number {
    return active.id;
  }

  /** Sends `value` to the caller's `onProgress` callback (see `pool.with({ onProgress })`). */
  progress(value: unknown): void {
    active.progress(value);
  }
}
