import { AsyncResource } from 'node:async_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { writeRun, type JobTarget } from '../protocol/messages';

/** Where a job's outcome goes: an RxJS Subscriber fits as it is. */
export interface JobSink {
  next(value: unknown): void;
  complete(): void;
  error(error: unknown): void;
}

/** What withdraws or stops a job whose caller has gone: the supervisor. */
export interface JobCanceller {
  cancel(job: Job): void;
}

/** Per-job settings, with the pool's defaults filled in. */
export interface JobSettings {
  readonly priority: number;
  /** Milliseconds the job may run, from the start of its run. */
  readonly timeout: number | undefined;
  /** Milliseconds the job may wait in the queue. */
  readonly queueTimeout: number | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
}

/**
 * Where a job is, as the supervisor sees it. `new` → `queued` → `sending` (taken off the queue for a worker) →
 * `running`, or `prefetched` (sent to wait behind a busy worker's current job) → `running` → `ended` (its worker
 * is free of it). A prefetched job a worker has not started may go back to `queued`, or to `sending` (another
 * worker takes it over). `queued`, `sending` and an unstarted `prefetched` → `withdrawn` when cancelled or failed
 * before it ran; `sending` → `ended` when it could not be sent; a started `prefetched` job → `ended` when its
 * worker is lost. A job refused on submission goes from `new` to `ended`.
 */
export type JobState = 'new' | 'queued' | 'sending' | 'prefetched' | 'running' | 'ended' | 'withdrawn';

/** The moves each state allows: anything else is a supervisor bug, caught here rather than as a lost job. */
const MOVES: { readonly [From in JobState]: readonly JobState[] } = {
  new: ['queued', 'sending', 'ended'],
  queued: ['sending', 'withdrawn'],
  sending: ['running', 'prefetched', 'withdrawn', 'ended'],
  prefetched: ['running', 'queued', 'sending', 'withdrawn', 'ended'],
  running: ['ended'],
  ended: [],
  withdrawn: [],
};

/** States in which the job's timer is its queue timeout; on leaving them it is cleared. */
const WAITING: ReadonlySet<JobState> = new Set<JobState>(['queued', 'sending', 'prefetched']);

let nextJobId = 1;

/** One submitted job, from queue to outcome. Its caller hears of it exactly once (or not at all, once gone). */
export class Job {
  readonly id = nextJobId++;
  private current: JobState = 'new';
  /** The claim slot it is offered on while a worker holds it (see lanes.ts). */
  lane = 0;
  /** True once the caller has its outcome, or has gone (unsubscribed). */
  closed = false;
  /**
   * True once it has been cancelled (by its caller, or by a timeout): a job is withdrawn or told to stop once,
   * however many ways its caller gives up on it, including its own teardown running inside its failure.
   */
  cancelled = false;
  /** Order of submission, for FIFO within a priority. */
  seq = 0;
  queuedAt = 0;
  startedAt = 0;
  /** `performance.now()` when it started: run times below a millisecond, for the prefetch depth. */
  startedClock = 0;
  /** The queue-timeout timer while waiting, the run-timeout timer while running; cleared by `moveTo`. */
  private timer: NodeJS.Timeout | undefined;
  /** Stream items delivered since the worker was last granted more. */
  unpulled = 0;
  /**
   * The caller's async context (AsyncLocalStorage stores: nestjs-cls, OpenTelemetry, request-scoped loggers) as
   * it was when the job was made, on subscribe. Its outcome arrives from a worker's port, in no context of the
   * caller's, so every callback to the caller is run in this one. One per job, not a bound closure per callback.
   */
  private readonly context = new AsyncResource('poolio.job');

  constructor(
    readonly target: JobTarget,
    readonly args: readonly unknown[],
    /** For messages: `PrimesJobs.countPrimes`, `function fib`. */
    readonly label: string,
    private readonly sink: JobSink,
    /** Values moved, not copied, to the worker (`transfer()`). */
    readonly transfers: readonly TransferListItem[],
    readonly settings: JobSettings,
    private readonly canceller: JobCanceller,
  ) {}

  /**
   * Its caller's subscription has ended: the job is withdrawn, or stopped if it runs. A job is its own RxJS
   * teardown, so that a job in the queue holds no closure for it.
   */
  unsubscribe(): void {
    this.canceller.cancel(this);
    // No callback to the caller follows: async_hooks users (a context manager's map, a leak check) can let go
    // of its context now rather than when the job is collected.
    this.context.emitDestroy();
  }

  get state(): JobState {
    return this.current;
  }

  /**
   * Moves the job to `next`, if its state allows that move (see MOVES); returns whether it moved. A timer of the
   * state it leaves is cleared: the queue timeout once it runs or is done with, the run timeout once it ends.
   */
  moveTo(next: JobState): boolean {
    if (!MOVES[this.current].includes(next)) return false;
    if (!WAITING.has(next)) this.clearTimer();
    this.current = next;
    return true;
  }

  /** Like `moveTo`, for moves the supervisor's own bookkeeping guarantees: a refused one is a bug, thrown. */
  mustMoveTo(next: JobState): void {
    if (!this.moveTo(next))
      throw new Error(`Job ${this.id} (${this.label}) cannot move from ${this.current} to ${next}`);
  }

  /** Runs `onTime` after `ms` unless the job has moved on first (see `moveTo`); replaces its previous timer. */
  arm(ms: number, onTime: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(onTime, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Adds it to a `run` instruction being built: built when it is sent, so a queued job holds no copy of it.
   * `target`: how that worker knows its target; `remember`: the number to know it by from now on.
   */
  writeRun(jobs: unknown[], target: JobTarget | number = this.target, remember?: number): void {
    writeRun(jobs, this.id, this.lane, target, remember, this.args);
  }

  /** One item of a stream. */
  emit(value: unknown): void {
    if (!this.closed) this.context.runInAsyncScope(this.sink.next, this.sink, value);
  }

  /** A progress report, to the caller's `onProgress`. */
  progress(value: unknown): void {
    const onProgress = this.settings.onProgress;
    if (!this.closed && onProgress) this.context.runInAsyncScope(onProgress, undefined, value);
  }

  succeed(value: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.context.runInAsyncScope(succeed, this.sink, value);
  }

  /** The end of a stream. */
  complete(): void {
    if (this.closed) return;
    this.closed = true;
    this.context.runInAsyncScope(this.sink.complete, this.sink);
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.context.runInAsyncScope(this.sink.error, this.sink, error);
  }
}

/** A value and the end, in one entry into the caller's context. */
function succeed(this: JobSink, value: unknown): void {
  this.next(value);
  this.complete();
}
