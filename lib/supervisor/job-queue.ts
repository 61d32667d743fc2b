import type { Job } from './job';

/**
 * The supervisor's FIFO queue. Withdrawn jobs are skipped lazily, so removing one is O(1);
 * the backing array is compacted once its consumed head outgrows the live part.
 */
export class JobQueue {
  private items: (Job | undefined)[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(job: Job): void {
    this.items.push(job);
    this.live++;
  }

  /** The oldest job still queued, or `undefined`. */
  shift(): Job | undefined {
    while (this.head < this.items.length) {
      const job = this.items[this.head];
      this.items[this.head++] = undefined;
      if (job && job.state === 'queued') {
        this.live--;
        this.compact();
        return job;
      }
    }
    this.items.length = 0;
    this.head = 0;
    return undefined;
  }

  /** Takes a queued job out; call after changing its state from `queued`. */
  forget(): void {
    this.live--;
  }

  /** Empties the queue, returning the jobs that were still queued, oldest first. */
  drain(): Job[] {
    const jobs = this.items.slice(this.head).filter((job): job is Job => job?.state === 'queued');
    this.items = [];
    this.head = 0;
    this.live = 0;
    return jobs;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
