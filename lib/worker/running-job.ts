import { JobCancelledError } from '../errors/job-cancelled.error';
import type { ActiveJob } from '../jobs/job-context';
import { STREAM_WINDOW } from '../protocol/messages';

/** What a running job needs of the runner that runs it. */
export interface JobReporter {
  /** The job it runs now, if any. */
  readonly running: RunningJob | undefined;
  /** Sends a progress report of `job`, which runs now; throws a JobResultError if it cannot be sent. */
  reportProgress(job: RunningJob, value: unknown): void;
}

/**
 * The job in progress (at most one per worker), as the runner tracks it and as the job's own code sees it
 * (`ActiveJob`, through JobContext): one object per job, where a literal with a getter and a closure made
 * several, and tiny jobs made the worker collect garbage for them as often as it ran them.
 */
export class RunningJob implements ActiveJob {
  /** Made on first use: most jobs never look at their signal. */
  controller: AbortController | undefined;
  cancelled = false;
  /** Items the stream may still send before the supervisor grants more. */
  credits = STREAM_WINDOW;
  /** Wakes a stream waiting for credits or for cancellation. */
  wake: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly reporter: JobReporter,
  ) {}

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.cancelled && !this.controller.signal.aborted) this.controller.abort(cancelled());
    return this.controller.signal;
  }

  /** A call once the job has ended (from a timer it left behind) is ignored. */
  progress(value: unknown): void {
    if (this.reporter.running === this) this.reporter.reportProgress(this, value);
  }
}

export function cancelled(): JobCancelledError {
  return new JobCancelledError('The job was cancelled');
}
