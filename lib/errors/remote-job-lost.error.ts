import { PoolError } from './pool.error';

/**
 * The shared queue gave up on a job, or lost it, so no instance will send its outcome: BullMQ failed it (it
 * stalled more often than `maxStalledCount` allows, its instances dying under it) or it was removed from Redis
 * by something other than this pool. `reason` is what the queue recorded, when it recorded anything.
 */
export class RemoteJobLostError extends PoolError {
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}
