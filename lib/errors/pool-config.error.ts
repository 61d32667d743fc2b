import { PoolError } from './pool.error';

/** The pool's options are invalid; raised at startup, before any worker is spawned. */
export class PoolConfigError extends PoolError {}
