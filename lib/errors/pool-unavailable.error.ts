import { PoolError } from './pool.error';

/** The pool was used where it cannot run jobs: inside one of its own workers. */
export class PoolUnavailableError extends PoolError {}
