import { PoolError } from './pool.error';

/**
 * The job's worker died while running it (uncaught error outside the job's promise, `process.exit`,
 * out of memory), or the job threw while `panicOnError` is set. `cause` holds what is known of why.
 */
export class JobPanicError extends PoolError {
  constructor(
    message: string,
    /** The id of the worker that panicked. */
    readonly workerId: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
