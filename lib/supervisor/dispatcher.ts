import type { Job } from './job';
import { JobQueue } from './job-queue';
import { PrefetchDepth } from './prefetch-depth';
import type { WorkerHandle } from './worker-handle';

/** What the dispatcher needs from the supervisor. */
export interface DispatcherOptions {
  /** Milliseconds of waiting that raise a queued job's priority by one. */
  readonly priorityAging: number;
  readonly panicOnError: boolean;
  readonly recycleAfterJobs: number | undefined;
  /** The supervisor's workers, as it keeps them (slots are replaced in place). */
  readonly workers: readonly WorkerHandle[];
  /** True while a `Kill` lets the running jobs finish: nothing more is sent ahead. */
  readonly killing: () => boolean;
  /** A worker has started `job` as its current one. */
  readonly started: (worker: WorkerHandle, job: Job) => void;
  /** The number of jobs waiting has changed. */
  readonly checkSaturation: () => void;
  /** `job` could not be sent (`error`, a DataCloneError or a moved transfer): it has ended, unstarted. */
  readonly unsendable: (job: Job, error: unknown) => void;
}

/**
 * Decides which queued jobs go to which worker, and how many ahead of need (prefetched, see lanes.ts). Owns the
 * queue, and counts the jobs sent to busy workers that they have not yet started.
 */
export class Dispatcher {
  private readonly queue: JobQueue;
  private readonly depth = new PrefetchDepth();
  /** Jobs sent to busy workers to start next (see lanes.ts). */
  private prefetched = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.queue = new JobQueue(options.priorityAging);
  }

  /** Jobs in the queue. */
  get queued(): number {
    return this.queue.size;
  }

  /** Jobs waiting to start: queued, or prefetched by a busy worker. */
  get waiting(): number {
    return this.queue.size + this.prefetched;
  }

  /** Queues a job behind the others of its priority. */
  enqueue(job: Job): void {
    this.queue.push(job);
  }

  /** Withdraws `job` if it is queued; returns whether it was. */
  withdrawQueued(job: Job): boolean {
    return this.queue.withdraw(job);
  }

  /** Empties the queue, returning the jobs that were still queued, in submission order. */
  drainQueue(): Job[] {
    return this.queue.drain();
  }

  /** Records how long a job ran, which sets how many jobs are sent ahead. */
  recordRun(runMs: number): void {
    this.depth.record(runMs);
  }

  /**
   * Sends jobs (`sending`: taken off the queue or from another worker) to a worker in one message: an idle
   * worker runs the first now, the rest wait behind its current job (prefetched). If the message cannot be
   * sent, each job is sent alone, so that one whose arguments cannot be sent fails alone; those are reported
   * once every job has its state, as reporting runs caller code. Returns how many were sent.
   */
  dispatch(worker: WorkerHandle, jobs: Job[]): number {
    const unsendable: [Job, unknown][] = [];
    const sent = this.send(worker, jobs, unsendable);
    for (const [job, error] of unsendable) this.options.unsendable(job, error);
    return sent;
  }

  private send(worker: WorkerHandle, jobs: Job[], unsendable: [Job, unknown][]): number {
    const idle = worker.job === undefined;
    try {
      worker.assign(jobs);
    } catch (error) {
      if (jobs.length > 1) {
        // A job cancelled meanwhile (by code run from an event) is withdrawn: it is not sent.
        return jobs.reduce(
          (sent, job) => sent + (job.state === 'sending' ? this.send(worker, [job], unsendable) : 0),
          0,
        );
      }
      jobs[0].mustMoveTo('ended');
      unsendable.push([jobs[0], error]);
      return 0;
    }
    if (idle) this.options.started(worker, jobs[0]);
    this.prefetched += idle ? jobs.length - 1 : jobs.length;
    return jobs.length;
  }

  /**
   * Gives a free worker the next queued job (and some to prefetch), or a job waiting behind another worker.
   * Returns false if there was none: the caller parks the worker.
   */
  feed(worker: WorkerHandle): boolean {
    for (;;) {
      const jobs = this.takeQueued(1 + this.prefetchRoom(worker, this.depth.value));
      if (jobs.length === 0) break;
      if (this.dispatch(worker, jobs) > 0) {
        this.options.checkSaturation();
        return true;
      }
    }
    return !this.options.killing() && this.takeOver(worker);
  }

  /** Tops up a busy worker's prefetched jobs, in one message, once they have run low. */
  topUp(worker: WorkerHandle): void {
    if (this.queue.size === 0 || worker.job === undefined || worker.state !== 'busy') return;
    const depth = this.depth.value;
    if (worker.prefetched.length > depth >> 1) return;
    const jobs = this.takeQueued(this.prefetchRoom(worker, depth));
    if (jobs.length > 0) this.dispatch(worker, jobs);
  }

  /** The worker has started its first prefetched job: it is now its current one. Returns that job. */
  promote(worker: WorkerHandle): Job {
    const job = worker.advance()!;
    this.prefetched--;
    this.options.started(worker, job);
    return job;
  }

  /** Takes back `job`, one of the worker's prefetched jobs, unless the worker has started it. */
  reclaim(worker: WorkerHandle, job: Job): boolean {
    if (!worker.reclaim(job)) return false;
    this.prefetched--;
    return true;
  }

  /** Queues again, at the head, the worker's prefetched jobs it has not started; the started ones stay its. */
  takeBackPrefetched(worker: WorkerHandle): void {
    const jobs = worker.reclaimAll();
    if (jobs.length === 0) return;
    this.prefetched -= jobs.length;
    for (let i = jobs.length - 1; i >= 0; i--) this.queue.pushFront(jobs[i]);
    this.options.checkSaturation();
  }

  /**
   * Forgets the prefetched jobs a worker that is gone (or given up on) had started; returns them for the caller
   * to settle. Call after `takeBackPrefetched`.
   */
  forgetStarted(worker: WorkerHandle): Job[] {
    const jobs = worker.prefetched.splice(0);
    this.prefetched -= jobs.length;
    for (const job of jobs) job.mustMoveTo('ended');
    return jobs;
  }

  /** How many more jobs a worker about to run (or running) a job may be sent to start after it, up to `depth`. */
  private prefetchRoom(worker: WorkerHandle, depth: number): number {
    if (worker.cancelling || worker.retiring || this.options.panicOnError || this.options.killing()) return 0;
    const held = worker.prefetched.length;
    const { recycleAfterJobs } = this.options;
    const beforeRecycling = recycleAfterJobs === undefined ? depth : recycleAfterJobs - worker.jobsRun - 1 - held;
    return Math.max(0, Math.min(depth - held, beforeRecycling));
  }

  /** Takes up to `count` jobs off the queue, in the order they should start. */
  private takeQueued(count: number): Job[] {
    const jobs: Job[] = [];
    while (jobs.length < count) {
      const job = this.queue.shift();
      if (job === undefined) break;
      jobs.push(job);
    }
    return jobs;
  }

  /** An idle worker takes over a job that waits behind another worker's (possibly slow) current job. */
  private takeOver(worker: WorkerHandle): boolean {
    if (this.prefetched === 0) return false;
    for (const other of this.options.workers) {
      if (other === worker) continue;
      const job = other.reclaimLast();
      if (!job) continue;
      job.mustMoveTo('sending');
      this.prefetched--;
      this.options.checkSaturation();
      if (this.dispatch(worker, [job]) === 1) return true;
    }
    return false;
  }
}
