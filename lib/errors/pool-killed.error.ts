import { PoolError } from './pool.error';

/** A job panicked under `PanicSwitch.Kill`: the pool refuses new and queued jobs while the process ends. */
export class PoolKilledError extends PoolError {}
