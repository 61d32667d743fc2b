import { PoolError } from './pool.error';

/** A worker could not boot its Nest context (a job provider's constructor threw, a module failed to load…). */
export class WorkerBootError extends PoolError {}
