import { PoolError } from './pool.error';

/** The job had not finished when the pool's `shutdownTimeout` ran out. */
export class PoolShutdownTimeoutError extends PoolError {}
