import { JobArgumentError } from '../errors/job-argument.error';
import { PoolClosedError } from '../errors/pool-closed.error';
import { PoolKilledError } from '../errors/pool-killed.error';
import type { PoolState } from '../interfaces/pool-status.interface';
import { Cancellation } from './cancellation';
import { Dispatcher } from './dispatcher';
import type { Job } from './job';
import { JobJournal } from './job-journal';
import { armQueueTimeout, armRunTimeout } from './job-timeouts';
import { KillSwitch } from './kill-switch';
import { Saturation } from './saturation';
import type { SupervisorOptions } from './supervisor-options';
import type { WorkerHandle, WorkerListener } from './worker-handle';
import { WorkerSlots } from './worker-slots';

/**
 * What the supervisor's roles share: the pool's state and counts, its parts (slots, dispatcher, journal, kill
 * switch), and the ways every role settles a job or accounts for one. The roles (completion, panics, shutdown)
 * take it; it knows none of them.
 */
export class SupervisorCore {
  state: PoolState = 'starting';
  /** Workers running a job. */
  busy = 0;
  panics = 0;
  startup: { resolve(): void; reject(error: Error): void; pending: number } | undefined;
  readonly slots: WorkerSlots;
  readonly dispatcher: Dispatcher;
  readonly cancellation: Cancellation;
  readonly kill = new KillSwitch();
  readonly saturation: Saturation;
  readonly journal: JobJournal;
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly options: SupervisorOptions,
    listener: WorkerListener,
    /** Cancels a job (for its timeouts): the supervisor's `cancel`. */
    private readonly cancel: (job: Job, error: Error) => void,
  ) {
    this.slots = new WorkerSlots(listener, options.createThread);
    this.dispatcher = new Dispatcher({
      priorityAging: options.priorityAging,
      panicOnError: options.panicOnError,
      recycleAfterJobs: options.recycleAfterJobs,
      workers: this.slots.all,
      killing: () => this.kill.thrown,
      started: (worker, job) => this.started(worker, job),
      checkSaturation: () => this.checkSaturation(),
      unsendable: (job, error) => this.unsendable(job, error),
    });
    this.cancellation = new Cancellation({
      cancelGrace: options.cancelGrace,
      logger: options.logger,
      dispatcher: this.dispatcher,
      workers: this.slots.all,
      listener,
      endRun: (worker) => this.endRun(worker),
      notifyIfDrained: () => this.notifyIfDrained(),
    });
    this.saturation = new Saturation(options.maxQueue, options.onSaturation);
    this.journal = new JobJournal(options.onEvent, options.eventsObserved);
  }

  /** True while the pool takes jobs and keeps its slots filled. */
  get taking(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  /** Jobs waiting to start: queued, or prefetched by a busy worker. */
  waiting(): number {
    return this.dispatcher.waiting;
  }

  enqueue(job: Job): void {
    job.queuedAt = Date.now();
    this.dispatcher.enqueue(job);
    this.journal.queued(job);
    armQueueTimeout(job, (error) => this.cancel(job, error));
    this.checkSaturation();
  }

  /** Accounts for a job its worker has started: wait time, event, run timeout. */
  started(worker: WorkerHandle, job: Job): void {
    this.busy++;
    job.startedAt = Date.now();
    job.startedClock = performance.now();
    if (job.queuedAt === 0) job.queuedAt = job.startedAt;
    this.journal.started(job, worker.id, job.startedAt - job.queuedAt);
    // (Its queue timeout was cleared when it moved to `running`.)
    armRunTimeout(job, (error) => this.cancel(job, error));
  }

  /** The worker no longer runs its job (it ended, or was given up on): returns that job. */
  endRun(worker: WorkerHandle, finished = false): Job | undefined {
    const job = worker.endJob(finished);
    if (!job) return undefined;
    job.mustMoveTo('ended');
    this.busy--;
    return job;
  }

  /** Fails every queued job with the error `reason` gives; returns how many there were. */
  failQueued(reason: (job: Job) => Error): number {
    const jobs = this.dispatcher.drainQueue();
    for (const job of jobs) {
      const error = reason(job);
      this.journal.failed(job, error);
      job.fail(error);
    }
    this.checkSaturation();
    return jobs.length;
  }

  refuse(job: Job, error: Error): void {
    job.mustMoveTo('ended');
    this.journal.refused(job, error);
    job.fail(error);
  }

  /** Why a job is refused now that the pool takes none. */
  refusal(job: Job): Error {
    if (this.kill.thrown) {
      return new PoolKilledError(
        `${job.label} was refused: a job panicked under PanicSwitch.Kill and the process is ending`,
      );
    }
    return new PoolClosedError(`${job.label} was refused: the pool is ${this.state}`);
  }

  /** A job whose arguments could not be posted to a worker fails with a JobArgumentError, counted as failed. */
  private unsendable(job: Job, cause: unknown): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new JobArgumentError(`${job.label}: an argument cannot be sent to a worker: ${reason}`, 'args', {
      cause,
    });
    this.journal.failed(job, error);
    job.fail(error);
  }

  checkSaturation(): void {
    this.saturation.check(this.waiting());
  }

  /** Resolves when the queue is empty and no worker holds a job. */
  join(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  notifyIfDrained(): void {
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private isDrained(): boolean {
    return this.dispatcher.queued === 0 && this.busy === 0;
  }
}
