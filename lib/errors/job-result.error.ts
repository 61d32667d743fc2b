import { PoolError } from './pool.error';

/** The job finished but its result cannot cross the thread boundary. */
export class JobResultError extends PoolError {}
