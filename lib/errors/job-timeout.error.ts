import { PoolError } from './pool.error';

/** The job ran longer than its timeout (measured from the start of its run, not from submission). */
export class JobTimeoutError extends PoolError {
  constructor(
    message: string,
    /** How long the job had run when it timed out, in ms. */
    readonly ranMs: number,
    /** How long it had waited in the queue before it started, in ms. */
    readonly waitedMs: number,
  ) {
    super(message);
  }
}
