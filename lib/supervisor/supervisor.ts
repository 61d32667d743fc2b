/**
 * The supervisor: a FIFO queue and `size` workers, each on its own channel. A worker asks (its status says
 * it is idle) and the supervisor answers (the next job), so no worker ever holds two jobs and no job waits
 * behind a slow one. Panics (a worker dying while it holds a job) go through the PanicSwitch.
 * Plain TypeScript on purpose: no Nest here, so the same protocol can serve other front ends.
 */
import { JobArgumentError } from '../errors/job-argument.error';
import { JobPanicError } from '../errors/job-panic.error';
import { PoolClosedError } from '../errors/pool-closed.error';
import { PoolKilledError } from '../errors/pool-killed.error';
import { PoolShutdownTimeoutError } from '../errors/pool-shutdown-timeout.error';
import { WorkerBootError } from '../errors/worker-boot.error';
import type { PoolState, PoolStatus } from '../interfaces/pool-status.interface';
import type { KillReport } from '../interfaces/kill-report.interface';
import { PanicSwitch } from '../panic-switch.enum';
import { decodeError } from '../protocol/error-codec';
import type { Status } from '../protocol/messages';
import type { Job } from './job';
import { JobQueue } from './job-queue';
import { WorkerHandle, type WorkerExit, type WorkerListener, type WorkerSpec } from './worker-handle';

export interface SupervisorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SupervisorOptions {
  readonly size: number;
  readonly panicSwitch: PanicSwitch;
  readonly panicOnError: boolean;
  /** Milliseconds `close()` waits for submitted jobs before failing the rest. */
  readonly shutdownTimeout: number;
  /** Called once a `Kill` has let the running jobs finish; ends the process by default. */
  readonly onKill: (report: KillReport) => void;
  readonly logger: SupervisorLogger;
}

const RESPAWN_BACKOFF_MS = { first: 100, max: 5_000 };
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Supervisor implements WorkerListener {
  private readonly queue = new JobQueue();
  private readonly workers: WorkerHandle[] = [];
  /** Idle workers; non-empty only while the queue is empty. */
  private readonly idle: WorkerHandle[] = [];
  private spec: WorkerSpec | undefined;
  private state: PoolState = 'starting';
  private nextWorkerId = 1;
  private busy = 0;
  private panics = 0;
  private respawns = 0;
  private bootFailuresInARow = 0;
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private drainWaiters: (() => void)[] = [];
  private startup: { resolve(): void; reject(error: Error): void; pending: number } | undefined;
  private kill: { panicked: string[]; refused: number; finished: number } | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  /** Spawns every worker in parallel; resolves once all have booted, rejects on the first boot failure. */
  start(spec: WorkerSpec): Promise<void> {
    this.spec = spec;
    return new Promise<void>((resolve, reject) => {
      this.startup = { resolve, reject, pending: this.options.size };
      for (let slot = 0; slot < this.options.size; slot++) this.workers.push(this.spawn());
    });
  }

  /** Queues a job, or hands it straight to an idle worker. Fails it at once if the pool takes no jobs. */
  submit(job: Job): void {
    if (this.state !== 'starting' && this.state !== 'running') {
      job.fail(this.refusal(job));
      return;
    }
    const worker = this.idle.pop();
    if (worker === undefined) {
      this.queue.push(job);
    } else if (!this.dispatch(worker, job)) {
      this.idle.push(worker);
      this.notifyIfDrained();
    }
  }

  /** Takes a job out of the queue if it has not started; a running job runs on. */
  withdraw(job: Job): void {
    if (job.state !== 'queued') return;
    job.state = 'withdrawn';
    this.queue.forget();
    this.notifyIfDrained();
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
      queued: this.queue.size,
      panics: this.panics,
      respawns: this.respawns,
    };
  }

  onStatus(worker: WorkerHandle, status: Status): void {
    switch (status.kind) {
      case 'done': {
        const job = worker.job;
        this.release(worker);
        job?.succeed(status.value);
        break;
      }
      case 'failed': {
        const job = worker.job;
        const error = decodeError(status.error);
        if (this.options.panicOnError && job) {
          worker.job = undefined;
          this.busy--;
          this.panic(worker, job, `threw ${error.name}: ${error.message} (panicOnError is set)`, error);
          void worker.terminate();
          return;
        }
        this.release(worker);
        job?.fail(error);
        break;
      }
      case 'ready':
        worker.booted = true;
        this.bootFailuresInARow = 0;
        if (this.startup && --this.startup.pending === 0) {
          this.startup.resolve();
          this.startup = undefined;
        }
        if (this.state === 'starting') this.state = 'running';
        this.feed(worker);
        break;
      case 'boot-failed':
        // The worker ends its thread next; onExit handles the failure once.
        worker.bootError = decodeError(status.error);
        break;
    }
  }

  onExit(worker: WorkerHandle, exit: WorkerExit): void {
    this.forgetIdle(worker);
    if (exit.requested) return this.replaceIfNeeded(worker);
    if (!worker.booted) {
      const cause =
        worker.bootError ?? exit.error ?? new Error(`the worker exited with code ${exit.code} while booting`);
      return this.bootFailed(worker, cause);
    }
    const job = worker.job;
    if (job) {
      worker.job = undefined;
      this.busy--;
    }
    const why = exit.error
      ? `its worker died of an uncaught ${exit.error.name}: ${exit.error.message}`
      : `its worker exited with code ${exit.code}`;
    this.panic(worker, job, why, exit.error);
  }

  private spawn(): WorkerHandle {
    if (!this.spec) throw new Error('Supervisor.start() was not called');
    return new WorkerHandle(this.nextWorkerId++, this.spec, this);
  }

  /** Sends the worker its job; a job whose arguments cannot be sent fails alone and the worker stays free. */
  private dispatch(worker: WorkerHandle, job: Job): boolean {
    try {
      worker.run(job);
      this.busy++;
      return true;
    } catch (error) {
      job.fail(
        new JobArgumentError(
          `${job.label}: an argument cannot be sent to a worker: ${(error as Error).message}`,
          'args',
          { cause: error },
        ),
      );
      return false;
    }
  }

  /** Gives an idle worker the oldest queued job, or parks it. */
  private feed(worker: WorkerHandle): void {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      if (this.dispatch(worker, job)) return;
    }
    worker.setIdle();
    this.idle.push(worker);
    this.notifyIfDrained();
  }

  /** A worker reported the end of its job: it takes the next one at once. */
  private release(worker: WorkerHandle): void {
    this.busy--;
    worker.job = undefined;
    if (this.kill) {
      this.kill.finished++;
      worker.setIdle();
      this.idle.push(worker);
      this.finishKillIfDone();
      return;
    }
    this.feed(worker);
  }

  private panic(worker: WorkerHandle, job: Job | undefined, why: string, cause: Error | undefined): void {
    this.panics++;
    const what = job ? `Job ${job.label}` : `Worker ${worker.id} (idle)`;
    const message = `${what} panicked: ${why}`;
    this.options.logger.error(
      `${message} [PanicSwitch.${this.options.panicSwitch === PanicSwitch.Kill ? 'Kill' : 'Respawn'}]`,
    );
    job?.fail(new JobPanicError(message, worker.id, { cause }));
    if (this.options.panicSwitch === PanicSwitch.Kill) {
      this.beginKill(message);
    } else if (worker.state === 'exited') {
      this.replaceIfNeeded(worker);
    }
    // Under Respawn a worker still alive (panicOnError) is replaced from onExit once terminated.
  }

  /** Puts a fresh worker in the slot of one that ended, unless the pool is winding down. */
  private replaceIfNeeded(worker: WorkerHandle): void {
    const slot = this.workers.indexOf(worker);
    if (slot < 0) return;
    const needed =
      this.state === 'running' || this.state === 'starting' || (this.state === 'closing' && this.queue.size > 0);
    if (!needed) return;
    this.respawns++;
    this.workers[slot] = this.spawn();
  }

  private bootFailed(worker: WorkerHandle, cause: Error): void {
    const error = new WorkerBootError(`Worker ${worker.id} could not boot the job context: ${cause.message}`, {
      cause,
    });
    if (this.startup) {
      const { reject } = this.startup;
      this.startup = undefined;
      for (const job of this.queue.drain()) job.fail(error);
      reject(error);
      return;
    }
    this.bootFailuresInARow++;
    const live = this.workers.some((w) => w.state === 'idle' || w.state === 'busy');
    this.options.logger.error(`${error.message}${live ? '' : '; no worker is left to run the queued jobs'}`);
    if (!live) for (const job of this.queue.drain()) job.fail(error);
    const slot = this.workers.indexOf(worker);
    if (slot < 0 || (this.state !== 'running' && this.state !== 'starting')) return;
    const delay = Math.min(RESPAWN_BACKOFF_MS.first * 2 ** (this.bootFailuresInARow - 1), RESPAWN_BACKOFF_MS.max);
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
      for (const job of this.queue.drain()) {
        this.kill.refused++;
        job.fail(this.refusal(job));
      }
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
    void Promise.all(this.workers.map((w) => w.terminate())).then(() => this.options.onKill(report));
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
    for (const job of this.queue.drain()) {
      job.fail(
        new PoolShutdownTimeoutError(`${job.label} had not started when the ${timeout} ms shutdown timeout ran out`),
      );
    }
    for (const worker of this.workers) {
      const job = worker.job;
      if (!job) continue;
      job.fail(
        new PoolShutdownTimeoutError(`${job.label} was still running when the ${timeout} ms shutdown timeout ran out`),
      );
      worker.job = undefined;
      this.busy--;
      void worker.terminate();
    }
  }

  private refusal(job: Job): Error {
    if (this.kill) {
      return new PoolKilledError(
        `${job.label} was refused: a job panicked under PanicSwitch.Kill and the process is ending`,
      );
    }
    return new PoolClosedError(`${job.label} was refused: the pool is ${this.state}`);
  }

  private forgetIdle(worker: WorkerHandle): void {
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private isDrained(): boolean {
    return this.queue.size === 0 && this.busy === 0;
  }

  private notifyIfDrained(): void {
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
