import { PoolError } from './pool.error';

/** The job waited in the queue longer than its `queueTimeout` and never started. */
export class JobQueueTimeoutError extends PoolError {
  constructor(
    message: string,
    /** How long it waited, in ms. */
    readonly waitedMs: number,
  ) {
    super(message);
  }
}
