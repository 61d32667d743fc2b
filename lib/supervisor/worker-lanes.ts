import { claim, createLanes, LANES, offer } from '../protocol/lanes';
import type { Job } from './job';

/**
 * One worker's claim lanes as the main thread keeps them (see lanes.ts): which lanes hold a job the worker may
 * still claim or is running, so that a lane is never offered again while the worker may still try to claim it.
 */
export class WorkerLanes {
  /** Shared with the worker thread. */
  readonly shared = createLanes();
  /** Bit n for lane n. */
  private inUse = 0;

  constructor(private readonly workerId: number) {}

  /** Puts `job` on offer in the lowest free lane. */
  offer(job: Job): void {
    const free = ~this.inUse & (this.inUse + 1); // the lowest clear bit
    // (With all 32 bits set, `free` is 0 and `lane` -1.)
    const lane = 31 - Math.clz32(free);
    if (lane < 0 || lane >= LANES) throw new Error(`Worker ${this.workerId} was sent more jobs than it has lanes for`);
    this.inUse |= free;
    job.lane = lane;
    offer(this.shared, lane, job.id);
  }

  /**
   * Takes the job off offer; true unless the worker had claimed it already. A job keeps its lane until it is
   * taken back or has ended.
   */
  withdraw(job: Job): boolean {
    const won = claim(this.shared, job.lane, job.id);
    if (won) this.release(job);
    return won;
  }

  /** The job has ended: its lane is free. */
  release(job: Job): void {
    this.inUse &= ~(1 << job.lane);
  }
}
