import { PoolError } from './pool.error';

/** The caller's AbortSignal aborted the job. `cause` is the signal's reason. */
export class JobCancelledError extends PoolError {}
