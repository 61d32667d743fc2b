/**
 * The supervisor: a queue and `size` workers, each on its own channel. A worker asks (its status says it is
 * idle) and the supervisor answers (the next job), so no worker ever holds two jobs and no job waits behind a
 * slow one. Panics (a worker dying while it holds a job) go through the PanicSwitch.
 * Plain TypeScript on purpose: no Nest here, so the same protocol can serve other front ends.
 * This is the coordinator: it takes the pool's calls and the workers' statuses and hands each to its role
 * (completion, cancellation, panics, shutdown, snapshot), which share the SupervisorCore.
 */
import { JobCancelledError } from '../errors/job-cancelled.error';
import { JobResultError } from '../errors/job-result.error';
import { PoolQueueFullError } from '../errors/pool-queue-full.error';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import { decodeError, describeUncaught } from '../protocol/error-codec';
import { STREAM_WINDOW, type Status } from '../protocol/messages';
import { Completion } from './completion';
import type { Job } from './job';
import { Panics } from './panics';
import { shutDown } from './shutdown';
import { statsSnapshot } from './snapshot';
import { SupervisorCore } from './supervisor-core';
import type { SupervisorOptions } from './supervisor-options';
import type { WorkerExit, WorkerHandle, WorkerListener, WorkerSpec } from './worker-handle';

export type { SupervisorLogger, SupervisorOptions, WorkerLogRecord } from './supervisor-options';

/** Stream items the caller takes before the worker is granted as many more. */
const PULL_BATCH = STREAM_WINDOW / 2;

export class Supervisor implements WorkerListener {
  private readonly core: SupervisorCore;
  private readonly panics: Panics;
  private readonly completion: Completion;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.core = new SupervisorCore(options, this, (job, error) => this.cancel(job, error));
    this.panics = new Panics(this.core);
    this.completion = new Completion(this.core, this.panics);
  }

  /**
   * Spawns every worker in parallel; resolves once all have booted (or the first, with `readyWhen: 'first'`),
   * rejects on a boot failure before then. Later boot failures are retried with backoff.
   */
  start(spec: WorkerSpec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.core.startup = { resolve, reject, pending: this.options.readyWhen === 'first' ? 1 : this.options.size };
      this.core.slots.fill(spec, this.options.size);
    });
  }

  /**
   * Hands a job to an idle worker, or queues it. Fails it at once if the pool takes no jobs or the queue is full.
   * (Busy workers are sent their next job from the queue as they start one, so that the choice honours priorities.)
   */
  submit(job: Job): void {
    const { core } = this;
    if (!core.taking) return core.refuse(job, core.refusal(job));
    const worker = core.slots.unparkAny();
    if (worker !== undefined) {
      // (A worker is idle only while the queue is empty: there is nothing to send it ahead.)
      job.mustMoveTo('sending');
      if (core.dispatcher.dispatch(worker, [job]) === 1) return;
      // Its failure ran caller code, which may have queued jobs meanwhile: the worker takes them, or is parked.
      return this.completion.feed(worker);
    }
    const { maxQueue } = this.options;
    if (maxQueue !== undefined && core.waiting() >= maxQueue) {
      return core.refuse(
        job,
        new PoolQueueFullError(`${job.label} was refused: the queue already holds ${maxQueue} jobs (maxQueue)`),
      );
    }
    core.enqueue(job);
  }

  /**
   * Cancels a job: a queued one leaves the queue, a prefetched one is taken back from its worker; a running
   * one is told to stop (its AbortSignal aborts) and, if it has not stopped within `cancelGrace`, its worker is
   * terminated and replaced. With `error`, the caller gets that error; without, the caller has gone. A job is
   * cancelled once: a second cancel (its own teardown, run from inside its failure) changes nothing. Its state
   * changes before anyone hears of it, as the caller's and event subscribers' code may cancel it again.
   */
  cancel(job: Job, error?: Error): void {
    if (job.closed || job.cancelled) return;
    // Not yet queued, or already ended: its outcome is on its way, or it was refused.
    if (job.state === 'new' || job.state === 'ended' || job.state === 'withdrawn') return;
    job.cancelled = true;
    const { core } = this;
    const withdrawn = core.cancellation.withdrawOrStop(job);
    // An AbortSignal is its caller giving up, as unsubscribing is; a timeout is a failure.
    if (error && !(error instanceof JobCancelledError)) core.journal.failed(job, error);
    else core.journal.cancelled(job);
    if (error) job.fail(error);
    else job.closed = true;
    if (withdrawn) {
      core.checkSaturation();
      core.notifyIfDrained();
    }
  }

  /** Resolves when the queue is empty and no worker holds a job. */
  join(): Promise<void> {
    return this.core.join();
  }

  /** Finishes every submitted job (within `shutdownTimeout`), then stops the workers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= shutDown(this.core);
    return this.closing;
  }

  status(): PoolStatus {
    const { state, busy, panics, slots } = this.core;
    const { idle, starting, respawns, recycled } = slots;
    const [size, queued, saturated] = [this.options.size, this.core.waiting(), this.core.saturation.value];
    return { state, size, idle, busy, starting, queued, saturated, panics, respawns, recycled };
  }

  /** What the pool has done since it started (the pool adds its name). */
  stats(): Omit<PoolStats, 'pool'> {
    return statsSnapshot(this.status(), this.core.journal, this.core.slots.all);
  }

  onStatus(worker: WorkerHandle, status: Status): void {
    switch (status.kind) {
      case 'done':
      case 'failed':
        return this.completion.jobEnded(worker, status);
      case 'yield': {
        const job = worker.job;
        if (job?.id !== status.id) return;
        job.emit(status.value);
        if (++job.unpulled >= PULL_BATCH) {
          worker.send({ kind: 'pull', id: job.id, count: job.unpulled });
          job.unpulled = 0;
        }
        return;
      }
      case 'progress': {
        const job = worker.job;
        if (job?.id !== status.id || job.closed || !job.settings.onProgress) return;
        try {
          job.progress(status.value);
        } catch (error) {
          this.options.logger.error(`The onProgress callback of ${job.label} threw: ${String(error)}`);
        }
        return;
      }
      case 'ready':
        return this.booted(worker);
      case 'log': {
        const job = status.jobId !== undefined && worker.job?.id === status.jobId ? worker.job.label : undefined;
        const { level, message, context } = status;
        return this.options.onWorkerLog({ workerId: worker.id, job, level, message, context });
      }
      case 'boot-failed':
        // The worker ends its thread next; onExit handles the failure once.
        worker.bootFailed(decodeError(status.error));
        return;
    }
  }

  /**
   * A message the worker's own code would not send, which a job's code can post on its port. One this thread
   * cannot read may have carried the running job's outcome: that job fails (it is told to stop, and its worker
   * is replaced if it does not). Any other is ignored.
   */
  onBadStatus(worker: WorkerHandle, problem: string, error?: unknown): void {
    const what = `Worker ${worker.id} sent a message the pool cannot use: ${problem}`;
    const job = worker.job;
    if (error === undefined || job === undefined || job.closed) {
      return this.options.logger.error(`${what}; it was ignored`);
    }
    const reason = `${what} (${describeUncaught(error)})`;
    this.options.logger.error(`${reason}; failing ${job.label}`);
    this.cancel(job, new JobResultError(`${job.label} failed: ${reason}. Send back plainer values`));
  }

  onExit(worker: WorkerHandle, exit: WorkerExit): void {
    this.panics.exited(worker, exit);
  }

  /** Tops up a busy worker's prefetched jobs, in one message, once they have run low. */
  onStatusesHandled(worker: WorkerHandle): void {
    this.core.dispatcher.topUp(worker);
  }

  /** A worker has booted: the pool runs once the first has (and `start()` resolves as `readyWhen` says). */
  private booted(worker: WorkerHandle): void {
    const { core } = this;
    worker.markBooted();
    core.journal.workerUp(worker.id);
    core.slots.booted();
    if (core.startup && --core.startup.pending === 0) {
      core.startup.resolve();
      core.startup = undefined;
    }
    if (core.state === 'starting') core.state = 'running';
    this.completion.feed(worker);
  }
}
