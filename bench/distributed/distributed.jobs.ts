import { Injectable, Module } from '@nestjs/common';
import { PoolJob } from 'nestjs-poolio';
import { spin, type SpinInput } from '../tasks/bench.tasks';

/** The pool (and so the BullMQ queue) the distributed workload runs on. */
export const DISTRIBUTED_POOL = 'distributed';

/** A spin job's result, with the app instance that ran it: the bench checks both. */
export interface InstanceResult {
  readonly value: number;
  /** The pid of the app instance whose thread (or sandboxed child) ran the job. */
  readonly instance: number;
}

/** The spin job as a @PoolJob: the same body the other workloads and the sandboxed processor run. */
@Injectable()
export class DistributedJobs {
  @PoolJob({ pool: DISTRIBUTED_POOL })
  spin(input: SpinInput): InstanceResult {
    // A worker thread shares its process's pid: that of the instance that took the job.
    return { value: spin(input), instance: process.pid };
  }
}

/** Booted by every instance, producer-only ones too, so that `DistributedJobs.spin` can be addressed. */
@Module({ providers: [DistributedJobs], exports: [DistributedJobs] })
export class DistributedJobsModule {}
