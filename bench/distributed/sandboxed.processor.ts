/**
 * The alternative users have today: a BullMQ sandboxed processor, given to `@nestjs/bullmq` as a file path.
 * BullMQ runs it in a child process of the instance's Worker, without Nest DI. Same job body as ours.
 */
import type { Job } from 'bullmq';
import { spin, type SpinInput } from '../tasks/bench.tasks';
import type { InstanceResult } from './distributed.jobs';

export default function sandboxedSpin(job: Job<SpinInput>): Promise<InstanceResult> {
  // The sandbox is a child of the instance's process: its parent is the instance that took the job.
  return Promise.resolve({ value: spin(job.data), instance: process.ppid });
}
