import { PoolError } from './pool.error';

/** The pool is shutting down or shut down and takes no new jobs. */
export class PoolClosedError extends PoolError {}
