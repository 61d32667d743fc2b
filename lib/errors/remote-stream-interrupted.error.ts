import { PoolError } from './pool.error';

/**
 * A streaming job ran on a remote instance (a BullMQ transport) that was lost after it had sent items: its job
 * is not run again, since a new run would send those items a second time. The caller has the items that came
 * before this error.
 */
export class RemoteStreamInterruptedError extends PoolError {}
