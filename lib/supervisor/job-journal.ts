import type { PoolEvent, WorkerDownReason } from '../interfaces/pool-event.interface';
import type { DurationSummary, PoolStats } from '../interfaces/pool-stats.interface';
import type { EncodedError } from '../protocol/error-codec';
import type { Job } from './job';
import { PoolCounters } from './statistics';

/** What the journal has counted since the pool started, for `stats()`. */
export interface JournalTotals {
  readonly jobs: PoolStats['jobs'];
  readonly waitMs: DurationSummary;
  readonly runMs: DurationSummary;
  /** Run time of jobs that have ended, in ms. */
  readonly busyMs: number;
  /** `Date.now()` when counting began. */
  readonly startedAt: number;
}

/**
 * What happened to jobs and workers: the counters `stats()` reads and the events `events$` carries. The
 * supervisor decides what happens; the journal only writes it down. Events are built only while someone
 * listens, as the pool may run many thousands of jobs a second with no subscriber.
 */
export class JobJournal {
  private readonly counters = new PoolCounters();

  constructor(
    private readonly onEvent: (event: PoolEvent) => void,
    private readonly eventsObserved: () => boolean,
  ) {}

  /** A worker has booted. */
  workerUp(workerId: number): void {
    if (this.eventsObserved()) this.onEvent({ type: 'worker-up', workerId, at: Date.now() });
  }

  /** A worker's thread has ended. */
  workerDown(workerId: number, reason: WorkerDownReason): void {
    if (this.eventsObserved()) this.onEvent({ type: 'worker-down', workerId, reason, at: Date.now() });
  }

  /** A job has joined the queue, at `job.queuedAt`. */
  queued(job: Job): void {
    if (this.eventsObserved()) {
      this.onEvent({ type: 'job-queued', jobId: job.id, job: job.label, at: job.queuedAt });
    }
  }

  /** A worker has started a job, at `job.startedAt`, after it waited `waitMs`. */
  started(job: Job, workerId: number, waitMs: number): void {
    this.counters.wait.record(waitMs);
    if (this.eventsObserved()) {
      const { id: jobId, label } = job;
      this.onEvent({ type: 'job-started', jobId, job: label, workerId, waitMs, at: job.startedAt });
    }
  }

  /**
   * A job has ended on its worker (`failure`: the error it threw). Its run time counts even when its caller has
   * gone, since the worker was busy all the same; its outcome counts only if it was not counted when it closed.
   */
  ended(job: Job, workerId: number, failure: EncodedError | undefined): void {
    const now = Date.now();
    const runMs = now - job.startedAt;
    this.counters.run.record(runMs);
    this.counters.busyMs += runMs;
    if (job.closed) return;
    if (failure) this.counters.failed++;
    else this.counters.completed++;
    if (!this.eventsObserved()) return;
    const base = { jobId: job.id, job: job.label, at: now };
    this.onEvent(
      failure
        ? { type: 'job-failed', ...base, error: `${failure.name}: ${failure.message}`, runMs }
        : { type: 'job-done', ...base, workerId, runMs },
    );
  }

  /** Its caller has given up on a job (unsubscribed or aborted) that had not ended. */
  cancelled(job: Job): void {
    if (job.closed) return;
    this.counters.cancelled++;
    if (this.eventsObserved()) {
      this.onEvent({ type: 'job-cancelled', jobId: job.id, job: job.label, at: Date.now() });
    }
  }

  /** A job has failed off its worker: a timeout, a shutdown timeout, a refusal after it was queued. */
  failed(job: Job, error: Error): void {
    if (job.closed) return;
    this.counters.failed++;
    if (this.eventsObserved()) {
      this.onEvent({ type: 'job-failed', jobId: job.id, job: job.label, error: error.message, at: Date.now() });
    }
  }

  /** A job was refused on submission: the queue was full, or the pool takes no jobs. */
  refused(job: Job, error: Error): void {
    this.counters.refused++;
    if (this.eventsObserved()) {
      this.onEvent({ type: 'job-refused', jobId: job.id, job: job.label, error: error.message, at: Date.now() });
    }
  }

  /** A job's worker died while it held the job (`why` says how). */
  panicked(job: Job, workerId: number, why: string): void {
    if (job.closed) return;
    this.counters.panicked++;
    if (this.eventsObserved()) {
      const { id: jobId, label } = job;
      this.onEvent({ type: 'job-panicked', jobId, job: label, workerId, reason: why, at: Date.now() });
    }
  }

  /** The counts so far; the summaries are computed now. */
  totals(): JournalTotals {
    const c = this.counters;
    return {
      jobs: {
        completed: c.completed,
        failed: c.failed,
        panicked: c.panicked,
        cancelled: c.cancelled,
        refused: c.refused,
      },
      waitMs: c.wait.summary(),
      runMs: c.run.summary(),
      busyMs: c.busyMs,
      startedAt: c.startedAt,
    };
  }
}
