import { PoolError } from './pool.error';

/** The job class is not a provider the pool knows, or the method is missing or not marked `@PoolJob()`. */
export class UnknownJobError extends PoolError {}
