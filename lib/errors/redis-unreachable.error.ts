import { PoolError } from './pool.error';

/** A pool whose transport is a shared queue could not reach its Redis at start-up within `connectTimeout`. */
export class RedisUnreachableError extends PoolError {}
