import type { Job } from './job';

/** One priority's FIFO. Jobs no longer queued (withdrawn) are skipped lazily, so taking one out is O(1). */
class Fifo {
  private items: (Job | undefined)[] = [];
  private head = 0;

  push(job: Job): void {
    this.items.push(job);
  }

  /** Puts a job back at the head (it was taken back from a worker before it started). */
  pushFront(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job;
    else this.items.unshift(job);
  }

  /** The oldest job still queued, left in place. */
  peek(): Job | undefined {
    while (this.head < this.items.length) {
      const job = this.items[this.head];
      if (job?.state === 'queued') return job;
      this.items[this.head++] = undefined;
    }
    if (this.head > 0) {
      this.items = [];
      this.head = 0;
    }
    return undefined;
  }

  /** Removes the job `peek()` returned. */
  take(): void {
    this.items[this.head++] = undefined;
    // Compact once the consumed head outgrows the live part.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  drain(): Job[] {
    const jobs = this.items.slice(this.head).filter((job): job is Job => job?.moveTo('withdrawn') === true);
    this.items = [];
    this.head = 0;
    return jobs;
  }
}

/**
 * The supervisor's queue: higher priority first, FIFO within a priority. It alone moves jobs into and out of
 * the `queued` state, each move checked by the job, so its count of queued jobs can neither drop twice nor miss one. So that low priorities are not starved,
 * a job's priority counts one higher for every `agingMs` it has waited; among equals the older job goes first.
 */
export class JobQueue {
  /** By priority, highest first. */
  private readonly buckets: { readonly priority: number; readonly fifo: Fifo }[] = [];
  private live = 0;
  private seq = 0;

  constructor(
    private readonly agingMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.live;
  }

  push(job: Job): void {
    job.mustMoveTo('queued');
    job.seq = ++this.seq;
    this.bucketFor(job.settings.priority).push(job);
    this.live++;
  }

  /** Puts back a job that had been taken out but did not start, ahead of the others of its priority. */
  pushFront(job: Job): void {
    job.mustMoveTo('queued');
    this.bucketFor(job.settings.priority).pushFront(job);
    this.live++;
  }

  /** Takes the job that should start next, or `undefined`; it is `sending` then. */
  shift(): Job | undefined {
    if (this.live === 0) return undefined;
    const { buckets } = this;
    // (One priority, the usual case: its oldest job, with no ranking.)
    let fifo = buckets.length === 1 ? buckets[0].fifo : undefined;
    let job = fifo?.peek();
    if (buckets.length > 1) {
      const now = this.now();
      let rank = 0;
      for (const bucket of buckets) {
        const candidate = bucket.fifo.peek();
        if (!candidate) continue;
        const candidateRank = bucket.priority + Math.floor((now - candidate.queuedAt) / this.agingMs);
        if (!job || candidateRank > rank || (candidateRank === rank && candidate.seq < job.seq)) {
          fifo = bucket.fifo;
          job = candidate;
          rank = candidateRank;
        }
      }
    }
    if (!fifo || !job) return undefined;
    fifo.take();
    job.mustMoveTo('sending');
    this.live--;
    return job;
  }

  private bucketFor(priority: number): Fifo {
    let bucket = this.buckets.find((b) => b.priority === priority);
    if (!bucket) {
      bucket = { priority, fifo: new Fifo() };
      this.buckets.push(bucket);
      this.buckets.sort((a, b) => b.priority - a.priority);
    }
    return bucket.fifo;
  }

  /** Withdraws `job` if it is queued (cancelled, or its queue timeout ran out); returns whether it was. */
  withdraw(job: Job): boolean {
    if (job.state !== 'queued') return false;
    job.mustMoveTo('withdrawn');
    this.live--;
    return true;
  }

  /** Empties the queue, returning the jobs that were still queued (now withdrawn), in submission order. */
  drain(): Job[] {
    const jobs = this.buckets.flatMap((bucket) => bucket.fifo.drain()).sort((a, b) => a.seq - b.seq);
    this.live = 0;
    return jobs;
  }
}
