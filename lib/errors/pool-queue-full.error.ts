import { PoolError } from './pool.error';

/** The queue holds `maxQueue` jobs already: the job was refused at once rather than grow memory without bound. */
export class PoolQueueFullError extends PoolError {}
