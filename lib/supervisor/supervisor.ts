/**
 * The supervisor: a queue and `size` workers, each on its own channel. A worker asks (its status says it is
 * idle) and the supervisor answers (the next job), so no worker ever holds two jobs and no job waits behind a
 * slow one. Panics (a worker dying while it holds a job) go through the PanicSwitch.
 * Plain TypeScript on purpose: no Nest here, so the same protocol can serve other front ends.
 */
import type { LogLevel } from '@nestjs/common';
import { JobArgumentError } from '../errors/job-argument.error';
import { JobCancelledError } from '../errors/job-cancelled.error';
import { JobPanicError } from '../errors/job-panic.error';
import { JobResultError } from '../errors/job-result.error';
import { PoolClosedError } from '../errors/pool-closed.error';
import { PoolKilledError } from '../errors/pool-killed.error';
import { PoolQueueFullError } from '../errors/pool-queue-full.error';
import { PoolShutdownTimeoutError } from '../errors/pool-shutdown-timeout.error';
import { WorkerBootError } from '../errors/worker-boot.error';
import type { KillReport } from '../interfaces/kill-report.interface';
import type { PoolEvent } from '../interfaces/pool-event.interface';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolState, PoolStatus } from '../interfaces/pool-status.interface';
import { PanicSwitch } from '../panic-switch.enum';
import { decodeError, describeUncaught } from '../protocol/error-codec';
import { STREAM_WINDOW, type Status } from '../protocol/messages';
import { Dispatcher } from './dispatcher';
import type { Job } from './job';
import { JobJournal } from './job-journal';
import { armQueueTimeout, armRunTimeout, MAX_TIMER_MS } from './job-timeouts';
import { WorkerHandle, type WorkerExit, type WorkerListener, type WorkerSpec } from './worker-handle';

export interface SupervisorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SupervisorOptions {
  readonly size: number;
  /** How many booted workers `start()` waits for: all of them, or the first (the rest boot on). */
  readonly readyWhen: 'all' | 'first';
  readonly panicSwitch: PanicSwitch;
  readonly panicOnError: boolean;
  /** Milliseconds `close()` waits for submitted jobs before failing the rest. */
  readonly shutdownTimeout: number;
  /** Milliseconds a cancelled job may take to stop before its worker is terminated (and replaced). */
  readonly cancelGrace: number;
  /** Jobs the queue may hold; past it `submit` refuses at once. */
  readonly maxQueue: number | undefined;
  /** Milliseconds of waiting that raise a queued job's priority by one. */
  readonly priorityAging: number;
  /** Replace a worker after it has run this many jobs. */
  readonly recycleAfterJobs: number | undefined;
  /** Called once a `Kill` has let the running jobs finish; ends the process by default. */
  readonly onKill: (report: KillReport) => void;
  /** Called when the queue fills up (true) and when it has drained again (false). */
  readonly onSaturation: (saturated: boolean) => void;
  /** Lifecycle events; built only while `eventsObserved()` says someone listens. */
  readonly onEvent: (event: PoolEvent) => void;
  readonly eventsObserved: () => boolean;
  /** A `Logger` call made in a worker; `job` names the job running then. */
  readonly onWorkerLog: (record: WorkerLogRecord) => void;
  readonly logger: SupervisorLogger;
}

export interface WorkerLogRecord {
  readonly workerId: number;
  readonly job: string | undefined;
  readonly level: LogLevel;
  readonly message: string;
  readonly context: string | undefined;
}

const RESPAWN_BACKOFF_MS = { first: 100, max: 5_000 };
/** Stream items the caller takes before the worker is granted as many more. */
const PULL_BATCH = STREAM_WINDOW / 2;

export class Supervisor implements WorkerListener {
  private readonly dispatcher: Dispatcher;
  private readonly workers: WorkerHandle[] = [];
  /** Idle workers; non-empty only while the queue is empty. */
  private readonly idle: WorkerHandle[] = [];
  private spec: WorkerSpec | undefined;
  private state: PoolState = 'starting';
  private nextWorkerId = 1;
  private busy = 0;
  private panics = 0;
  private respawns = 0;
  private recycled = 0;
  private saturated = false;
  private bootFailuresInARow = 0;
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private readonly journal: JobJournal;
  private drainWaiters: (() => void)[] = [];
  private startup: { resolve(): void; reject(error: Error): void; pending: number } | undefined;
  private kill: { panicked: string[]; refused: number; finished: number } | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.dispatcher = new Dispatcher({
      priorityAging: options.priorityAging,
      panicOnError: options.panicOnError,
      recycleAfterJobs: options.recycleAfterJobs,
      workers: this.workers,
      killing: () => this.kill !== undefined,
      started: (worker, job) => this.started(worker, job),
      checkSaturation: () => this.checkSaturation(),
      unsendable: (job, error) => this.unsendable(job, error),
    });
    this.journal = new JobJournal(options.onEvent, options.eventsObserved);
  }

  /**
   * Spawns every worker in parallel; resolves once all have booted (or the first, with `readyWhen: 'first'`),
   * rejects on a boot failure before then. Later boot failures are retried with backoff.
   */
  start(spec: WorkerSpec): Promise<void> {
    this.spec = spec;
    return new Promise<void>((resolve, reject) => {
      this.startup = { resolve, reject, pending: this.options.readyWhen === 'first' ? 1 : this.options.size };
      for (let slot = 0; slot < this.options.size; slot++) this.workers.push(this.spawn());
    });
  }

  /**
   * Hands a job to an idle worker, or queues it. Fails it at once if the pool takes no jobs or the queue is full.
   * (Busy workers are sent their next job from the queue as they start one, so that the choice honours priorities.)
   */
  submit(job: Job): void {
    if (this.state !== 'starting' && this.state !== 'running') return this.refuse(job, this.refusal(job));
    const worker = this.idle.pop();
    if (worker !== undefined) {
      // (A worker is idle only while the queue is empty: there is nothing to send it ahead.)
      job.mustMoveTo('sending');
      if (this.dispatcher.dispatch(worker, [job]) === 1) return;
      // Its failure ran caller code, which may have queued jobs meanwhile: the worker takes them, or is parked.
      return this.feed(worker);
    }
    const { maxQueue } = this.options;
    if (maxQueue !== undefined && this.waiting() >= maxQueue) {
      return this.refuse(
        job,
        new PoolQueueFullError(`${job.label} was refused: the queue already holds ${maxQueue} jobs (maxQueue)`),
      );
    }
    this.enqueue(job);
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
    const withdrawn = this.withdrawOrStop(job);
    // An AbortSignal is its caller giving up, as unsubscribing is; a timeout is a failure.
    if (error && !(error instanceof JobCancelledError)) this.journal.failed(job, error);
    else this.journal.cancelled(job);
    if (error) job.fail(error);
    else job.closed = true;
    if (withdrawn) {
      this.checkSaturation();
      this.notifyIfDrained();
    }
  }

  /** Takes a cancelled job back if it has not started; else tells its worker to stop it. True if taken back. */
  private withdrawOrStop(job: Job): boolean {
    switch (job.state) {
      case 'queued':
        return this.dispatcher.withdrawQueued(job);
      case 'sending':
        // Taken off the queue by a dispatch that is running caller code: it is not sent.
        return job.moveTo('withdrawn');
      case 'prefetched': {
        const holder = this.workers.find((w) => w.prefetched.includes(job));
        if (holder !== undefined && this.dispatcher.reclaim(holder, job)) return job.moveTo('withdrawn');
        // Its worker has started it already: tell it to stop; the grace period starts once it is its current job.
        holder?.send({ kind: 'cancel', id: job.id });
        return false;
      }
      case 'running': {
        const worker = this.workers.find((w) => w.job === job);
        if (worker && !worker.cancelTimer) {
          worker.send({ kind: 'cancel', id: job.id });
          this.armCancelGrace(worker, job);
        }
        return false;
      }
      default:
        return false;
    }
  }

  private armCancelGrace(worker: WorkerHandle, job: Job): void {
    worker.cancelTimer = setTimeout(() => {
      // A status on its way may say the job has stopped after all.
      worker.receivePending(this);
      this.onStatusesHandled(worker);
      if (worker.job !== job) return;
      this.options.logger.warn(
        `${job.label} did not stop within ${this.options.cancelGrace} ms of being cancelled; replacing worker ${worker.id}`,
      );
      this.endRun(worker);
      this.dispatcher.takeBackPrefetched(worker);
      // Jobs it has started since are lost with it (it had ended the job after all, its status not yet in).
      for (const lost of this.dispatcher.forgetStarted(worker)) {
        lost.fail(
          new JobPanicError(`Job ${lost.label} was lost: its worker was terminated to stop ${job.label}`, worker.id),
        );
      }
      worker.stopReason = 'cancelled-job';
      void worker.terminate();
      this.notifyIfDrained();
    }, this.options.cancelGrace);
  }

  /** Resolves when the queue is empty and no worker holds a job. */
  join(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Finishes every submitted job (within `shutdownTimeout`), then stops the workers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  status(): PoolStatus {
    let starting = 0;
    for (const worker of this.workers) if (worker.state === 'starting') starting++;
    return {
      state: this.state,
      size: this.options.size,
      idle: this.idle.length,
      busy: this.busy,
      starting,
      queued: this.waiting(),
      saturated: this.saturated,
      panics: this.panics,
      respawns: this.respawns,
      recycled: this.recycled,
    };
  }

  /** What the pool has done since it started (the pool adds its name). */
  stats(): Omit<PoolStats, 'pool'> {
    const { busy, idle, starting, queued, state, size, respawns, recycled } = this.status();
    const { jobs, waitMs, runMs, busyMs, startedAt } = this.journal.totals();
    const now = Date.now();
    let running = 0;
    for (const worker of this.workers) if (worker.job) running += now - worker.job.startedAt;
    const uptimeMs = now - startedAt;
    return {
      state,
      size,
      workers: { busy, idle, starting },
      queued,
      jobs,
      respawns,
      recycled,
      waitMs,
      runMs,
      utilization: uptimeMs > 0 ? Math.min(1, (busyMs + running) / (size * uptimeMs)) : 0,
      uptimeMs,
    };
  }

  onStatus(worker: WorkerHandle, status: Status): void {
    switch (status.kind) {
      case 'done':
      case 'failed':
        return this.jobEnded(worker, status);
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
        worker.booted = true;
        this.journal.workerUp(worker.id);
        this.bootFailuresInARow = 0;
        if (this.startup && --this.startup.pending === 0) {
          this.startup.resolve();
          this.startup = undefined;
        }
        if (this.state === 'starting') this.state = 'running';
        return this.feed(worker);
      case 'log': {
        const job = status.jobId !== undefined && worker.job?.id === status.jobId ? worker.job.label : undefined;
        const { level, message, context } = status;
        return this.options.onWorkerLog({ workerId: worker.id, job, level, message, context });
      }
      case 'boot-failed':
        // The worker ends its thread next; onExit handles the failure once.
        worker.bootError = decodeError(status.error);
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
    this.forgetIdle(worker);
    this.journal.workerDown(worker.id, exit.requested ? worker.stopReason : worker.booted ? 'panic' : 'boot-failed');
    if (exit.requested) return this.replaceIfNeeded(worker);
    if (!worker.booted) {
      const cause =
        worker.bootError ?? exit.error ?? new Error(`the worker exited with code ${exit.code} while booting`);
      return this.bootFailed(worker, cause);
    }
    const job = this.endRun(worker);
    // (What a worker threw reaches this thread as whatever could be cloned of it: not always an Error.)
    const why = exit.error
      ? `its worker died of an uncaught ${describeUncaught(exit.error)}`
      : `its worker exited with code ${exit.code}`;
    this.dispatcher.takeBackPrefetched(worker);
    const started = this.dispatcher.forgetStarted(worker);
    this.panic(worker, job, why, exit.error);
    // A prefetched job the worker had started died with it; it is failed, not run again.
    for (const lost of started) this.panic(worker, lost, why, exit.error);
  }

  /** Tops up a busy worker's prefetched jobs, in one message, once they have run low. */
  onStatusesHandled(worker: WorkerHandle): void {
    this.dispatcher.topUp(worker);
  }

  private jobEnded(worker: WorkerHandle, status: Status & { kind: 'done' | 'failed' }): void {
    if (worker.job?.id !== status.id) return; // a job already given up on (timed out and replaced)
    const job = this.endRun(worker)!;
    worker.jobsRun++;
    this.dispatcher.recordRun(performance.now() - job.startedClock);
    const panics = status.kind === 'failed' && this.options.panicOnError && !job.closed;
    if (panics) {
      // (No job is prefetched under panicOnError: a worker that may be polluted starts nothing more.)
      const error = decodeError(status.error);
      this.panic(worker, job, `threw ${error.name}: ${error.message} (panicOnError is set)`, error);
      worker.stopReason = 'panic';
      void worker.terminate();
      return;
    }
    const { recycleAfterJobs } = this.options;
    if (status.retire || (recycleAfterJobs !== undefined && worker.jobsRun >= recycleAfterJobs)) {
      this.dispatcher.takeBackPrefetched(worker);
      if (worker.prefetched.length > 0) worker.retiring = true;
    }
    // Read after its thread ended (WorkerHandle's exit): of the jobs sent ahead, only those it started stay its.
    const gone = worker.state === 'exited';
    if (gone) this.dispatcher.takeBackPrefetched(worker);
    // The worker goes on before the caller hears of this job: it need not wait on caller code.
    if (worker.prefetched.length > 0) {
      this.promote(worker);
    } else if (gone) {
      // onExit, next, judges the worker.
    } else if (this.kill) {
      worker.setIdle();
      this.idle.push(worker);
    } else if (
      worker.retiring ||
      status.retire ||
      (recycleAfterJobs !== undefined && worker.jobsRun >= recycleAfterJobs)
    ) {
      this.retire(worker);
    } else {
      this.feed(worker);
    }
    if (this.kill) this.kill.finished++;
    // Counted (and told to events$ subscribers) once the worker has gone on: a snapshot taken then is whole.
    this.journal.ended(job, worker.id, status.kind === 'failed' ? status.error : undefined);
    if (status.kind === 'failed') job.fail(decodeError(status.error));
    else if (status.streamed) job.complete();
    else job.succeed(status.value);
    if (this.kill) this.finishKillIfDone();
  }

  /** The worker has started its first prefetched job: it is now its current one (topped up in onStatusesHandled). */
  private promote(worker: WorkerHandle): void {
    const job = this.dispatcher.promote(worker);
    // Cancelled once its worker had started it: it was told to stop then.
    if (job.cancelled) this.armCancelGrace(worker, job);
  }

  private spawn(): WorkerHandle {
    if (!this.spec) throw new Error('Supervisor.start() was not called');
    return new WorkerHandle(this.nextWorkerId++, this.spec, this);
  }

  private enqueue(job: Job): void {
    job.queuedAt = Date.now();
    this.dispatcher.enqueue(job);
    this.journal.queued(job);
    armQueueTimeout(job, (error) => this.cancel(job, error));
    this.checkSaturation();
  }

  /** Accounts for a job its worker has started: wait time, event, run timeout. */
  private started(worker: WorkerHandle, job: Job): void {
    this.busy++;
    job.startedAt = Date.now();
    job.startedClock = performance.now();
    if (job.queuedAt === 0) job.queuedAt = job.startedAt;
    this.journal.started(job, worker.id, job.startedAt - job.queuedAt);
    // (Its queue timeout was cleared when it moved to `running`.)
    armRunTimeout(job, (error) => this.cancel(job, error));
  }

  /** The worker no longer runs its job (it ended, or was given up on): returns that job. */
  private endRun(worker: WorkerHandle): Job | undefined {
    const job = worker.dropJob();
    if (!job) return undefined;
    job.mustMoveTo('ended');
    clearTimeout(worker.cancelTimer);
    worker.cancelTimer = undefined;
    this.busy--;
    return job;
  }

  /** Gives a free worker the next queued job (and one to prefetch), or a job waiting behind another worker, or parks it. */
  private feed(worker: WorkerHandle): void {
    // (A status read after its thread ended: onExit, next, replaces it.)
    if (worker.state === 'exited' || this.dispatcher.feed(worker)) return;
    worker.setIdle();
    this.idle.push(worker);
    this.checkSaturation();
    this.notifyIfDrained();
  }

  /** Replaces a worker that has done its share (recycling); its replacement boots while it exits. */
  private retire(worker: WorkerHandle): void {
    worker.stopReason = 'recycled';
    const slot = this.workers.indexOf(worker);
    if (slot >= 0 && (this.state === 'running' || this.state === 'closing')) {
      this.recycled++;
      this.workers[slot] = this.spawn();
    }
    void worker.stop();
    this.notifyIfDrained();
  }

  private panic(worker: WorkerHandle, job: Job | undefined, why: string, cause: Error | undefined): void {
    this.panics++;
    if (job) this.journal.panicked(job, worker.id, why);
    const what = job ? `Job ${job.label}` : `Worker ${worker.id} (idle)`;
    const message = `${what} panicked: ${why}`;
    const kill = this.options.panicSwitch === PanicSwitch.Kill;
    this.options.logger.error(`${message} [PanicSwitch.${kill ? 'Kill' : 'Respawn'}]`);
    job?.fail(new JobPanicError(message, worker.id, { cause }));
    if (kill) {
      this.beginKill(message);
    } else if (worker.state === 'exited') {
      this.replaceIfNeeded(worker);
    }
    // Under Respawn a worker still alive (panicOnError) is replaced from onExit once terminated.
    this.notifyIfDrained();
  }

  /** Puts a fresh worker in the slot of one that ended, unless the pool is winding down. */
  private replaceIfNeeded(worker: WorkerHandle): void {
    const slot = this.workers.indexOf(worker);
    if (slot < 0) return;
    const needed =
      this.state === 'running' || this.state === 'starting' || (this.state === 'closing' && this.dispatcher.queued > 0);
    if (!needed) return;
    this.respawns++;
    this.workers[slot] = this.spawn();
  }

  private bootFailed(worker: WorkerHandle, cause: Error): void {
    const phase = (cause as { bootPhase?: unknown }).bootPhase;
    const where = typeof phase === 'string' ? `${phase}: ` : '';
    const error = new WorkerBootError(`Worker ${worker.id} could not boot the job context: ${where}${cause.message}`, {
      cause,
    });
    if (this.startup) {
      const { reject } = this.startup;
      this.startup = undefined;
      this.failQueued(() => error);
      reject(error);
      return;
    }
    this.bootFailuresInARow++;
    const live = this.workers.some((w) => w.state === 'idle' || w.state === 'busy');
    const slot = this.workers.indexOf(worker);
    const retry = slot >= 0 && (this.state === 'running' || this.state === 'starting');
    // Back off, so a job module that cannot boot does not spin the CPU in a respawn loop.
    const delay = Math.min(RESPAWN_BACKOFF_MS.first * 2 ** (this.bootFailuresInARow - 1), RESPAWN_BACKOFF_MS.max);
    // The delay is logged: the operator sees the backoff, and a test can read it rather than time it.
    this.options.logger.error(
      `${error.message}${live ? '' : '; no worker is left to run the queued jobs'}${retry ? `; retrying in ${delay} ms` : ''}`,
    );
    if (!live) this.failQueued(() => error);
    if (!retry) return;
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (this.workers[slot] !== worker || (this.state !== 'running' && this.state !== 'starting')) return;
      this.respawns++;
      this.workers[slot] = this.spawn();
    }, delay);
    timer.unref();
    this.respawnTimers.add(timer);
  }

  private beginKill(reason: string): void {
    if (this.kill) {
      this.kill.panicked.push(reason);
    } else {
      this.kill = { panicked: [reason], refused: 0, finished: 0 };
      this.state = 'killing';
      // Prefetched jobs not yet started are queued jobs too; ones already started run to their end.
      for (const worker of this.workers) this.dispatcher.takeBackPrefetched(worker);
      this.kill.refused = this.failQueued((job) => this.refusal(job));
    }
    this.finishKillIfDone();
  }

  private finishKillIfDone(): void {
    if (!this.kill || this.busy > 0 || this.state !== 'killing') return;
    this.state = 'killed';
    const report: KillReport = {
      panicked: this.kill.panicked.length,
      reasons: [...this.kill.panicked],
      finished: this.kill.finished,
      refused: this.kill.refused,
    };
    this.options.logger.error(
      `PanicSwitch.Kill: ${report.panicked} job(s) panicked; ${report.finished} running job(s) finished, ` +
        `${report.refused} queued job(s) refused. Ending the process.`,
    );
    this.notifyIfDrained();
    void Promise.all(
      this.workers.map((w) => {
        w.stopReason = 'killed';
        return w.terminate();
      }),
    ).then(() => this.options.onKill(report));
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'starting' || this.state === 'running') this.state = 'closing';
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    if (this.startup) {
      this.startup.reject(new PoolClosedError('The pool was closed before its workers had booted'));
      this.startup = undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.join().then(() => false),
      new Promise<boolean>((resolve) => {
        // setTimeout takes at most 2^31-1 ms; a longer (or infinite) timeout means waiting for ever.
        if (this.options.shutdownTimeout <= MAX_TIMER_MS) {
          timer = setTimeout(() => resolve(true), this.options.shutdownTimeout);
        }
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.abandonJobs();
    await Promise.all(this.workers.map((w) => w.stop()));
    if (this.state === 'closing') this.state = 'closed';
  }

  /** Fails every queued and running job once the shutdown timeout has run out. */
  private abandonJobs(): void {
    const timeout = this.options.shutdownTimeout;
    for (const worker of this.workers) this.dispatcher.takeBackPrefetched(worker);
    this.failQueued(
      (job) =>
        new PoolShutdownTimeoutError(`${job.label} had not started when the ${timeout} ms shutdown timeout ran out`),
    );
    this.workers.forEach((worker) => {
      for (const job of [this.endRun(worker), ...this.dispatcher.forgetStarted(worker)]) {
        if (!job) continue;
        const error = new PoolShutdownTimeoutError(
          `${job.label} was still running when the ${timeout} ms shutdown timeout ran out`,
        );
        this.journal.failed(job, error);
        job.fail(error);
        void worker.terminate();
      }
    });
  }

  /** Fails every queued job with the error `reason` gives; returns how many there were. */
  private failQueued(reason: (job: Job) => Error): number {
    const jobs = this.dispatcher.drainQueue();
    for (const job of jobs) {
      const error = reason(job);
      this.journal.failed(job, error);
      job.fail(error);
    }
    this.checkSaturation();
    return jobs.length;
  }

  private refuse(job: Job, error: Error): void {
    job.mustMoveTo('ended');
    this.journal.refused(job, error);
    job.fail(error);
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

  private refusal(job: Job): Error {
    if (this.kill) {
      return new PoolKilledError(
        `${job.label} was refused: a job panicked under PanicSwitch.Kill and the process is ending`,
      );
    }
    return new PoolClosedError(`${job.label} was refused: the pool is ${this.state}`);
  }

  /** Jobs waiting to start: queued, or prefetched by a busy worker. */
  private waiting(): number {
    return this.dispatcher.waiting;
  }

  /**
   * Saturated once the queue is full (`maxQueue`), or without `maxQueue` once any job has to wait; drained again
   * once it is down to half of `maxQueue`, or empty.
   */
  private checkSaturation(): void {
    const { maxQueue } = this.options;
    const depth = this.waiting();
    if (!this.saturated && depth >= (maxQueue ?? 1)) {
      this.saturated = true;
      this.options.onSaturation(true);
    } else if (this.saturated && depth <= (maxQueue === undefined ? 0 : Math.floor(maxQueue / 2))) {
      this.saturated = false;
      this.options.onSaturation(false);
    }
  }

  private forgetIdle(worker: WorkerHandle): void {
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private isDrained(): boolean {
    return this.dispatcher.queued === 0 && this.busy === 0;
  }

  private notifyIfDrained(): void {
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
