import type { TransferListItem } from 'node:worker_threads';
import type { WorkerDownReason } from '../interfaces/pool-event.interface';
import { anyDetached } from '../protocol/transfer';
import type { Instruction, InstructionBatch, Status } from '../protocol/messages';
import { statusProblem } from '../protocol/status-check';
import type { Job } from './job';
import { TargetNumbers } from './target-numbers';
import { WorkerLanes } from './worker-lanes';
import { startNodeThread, type WorkerSpec, type WorkerThread, type WorkerThreadFactory } from './worker-thread';

export type { WorkerSpec } from './worker-thread';

/** Why a worker thread ended. */
export interface WorkerExit {
  readonly code: number;
  /** The uncaught error that ended it, if any. */
  readonly error?: Error;
  /** True when the supervisor asked it to stop. */
  readonly requested: boolean;
  /** Why the supervisor stopped it (when `requested`), for the `worker-down` event. */
  readonly reason: WorkerDownReason;
  /** What the worker said when it could not boot, if it did. */
  readonly bootError?: Error;
}

export interface WorkerListener {
  onStatus(worker: WorkerHandle, status: Status): void;
  /**
   * A message from the worker that is no status it sends: unreadable (`error` says why: nested too deep for
   * this thread's stack), or not shaped as a status (a job's code can post on the worker's port).
   */
  onBadStatus(worker: WorkerHandle, problem: string, error?: unknown): void;
  /** The worker's statuses waiting on its channel have all been handled: a moment to send it more. */
  onStatusesHandled(worker: WorkerHandle): void;
  onExit(worker: WorkerHandle, exit: WorkerExit): void;
}

export type WorkerState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

const EXIT_GRACE_MS = 5_000;
/** Statuses read in one go per message event; message-turns.ts then bounds how long such reads run in a row. */
const MAX_STATUSES_PER_TURN = 256;

/** One worker thread and its own channel, as the supervisor sees it. */
export class WorkerHandle {
  state: WorkerState = 'starting';
  /** The job it runs; set only while `busy`. */
  job: Job | undefined;
  /** Jobs sent to start after `job`, in order (prefetched); any it has not started may be taken back (lanes.ts). */
  readonly prefetched: Job[] = [];
  private readonly lanes: WorkerLanes;
  private readonly targets = new TargetNumbers();
  private readonly thread: WorkerThread;
  private retiringNow = false;
  private bootedNow = false;
  private jobsDone = 0;
  private cancelTimer: NodeJS.Timeout | undefined;
  private downReason: WorkerDownReason = 'shutdown';
  private bootFailure: Error | undefined;
  private uncaught: Error | undefined;
  private stopRequested = false;
  private readonly exited: Promise<void>;

  constructor(
    readonly id: number,
    spec: WorkerSpec,
    listener: WorkerListener,
    createThread: WorkerThreadFactory = startNodeThread,
  ) {
    this.lanes = new WorkerLanes(id);
    let exit!: (code: number) => void;
    this.exited = new Promise((resolve) => {
      exit = (code) => {
        this.state = 'exited';
        // A busy main thread hears of the exit before the statuses the worker posted first: they are judged
        // now, so that a job it finished is not taken for one that died with it.
        while (this.receiveOne(listener));
        this.thread.close();
        const { uncaught: error, stopRequested: requested, downReason: reason, bootFailure: bootError } = this;
        listener.onExit(this, { code, error, requested, reason, bootError });
        resolve();
      };
    });
    this.thread = createThread(id, spec, this.lanes.shared, {
      message: (message) => {
        this.deliver(listener, message);
        this.receivePending(listener);
        listener.onStatusesHandled(this);
      },
      messageError: (error) => {
        listener.onBadStatus(this, 'it could not be read on the main thread', error);
        listener.onStatusesHandled(this);
      },
      error: (error) => {
        this.uncaught ??= error;
      },
      exit,
    });
  }

  /** Set once the worker has reported `ready`. */
  get booted(): boolean {
    return this.bootedNow;
  }

  /** It has reported `ready`: from now on a `ready` or `boot-failed` from it is a forgery. */
  markBooted(): void {
    this.bootedNow = true;
  }

  /** It has said why it cannot boot; its thread ends next (its exit carries `error`). */
  bootFailed(error: Error): void {
    this.bootFailure = error;
  }

  /** Jobs it has finished, for `recycleAfterJobs`. */
  get jobsRun(): number {
    return this.jobsDone;
  }

  /** Set when it must be replaced once its jobs end (recycling asked for while a prefetched job had started). */
  get retiring(): boolean {
    return this.retiringNow;
  }

  /** It is to be replaced once the jobs it has started have ended; it is sent nothing more. */
  retireWhenDone(): void {
    this.retiringNow = true;
  }

  /** True while its job is being cancelled: it is ended if the job has not stopped within the grace period. */
  get cancelling(): boolean {
    return this.cancelTimer !== undefined;
  }

  /** Starts the cancel grace for its current job; `expired` runs if it has not ended within `ms`. */
  armCancelGrace(ms: number, expired: () => void): void {
    this.cancelTimer = setTimeout(expired, ms);
  }

  /** Its current job ended or was given up on: returns it, stops its cancel grace; `finished`: it counts as run. */
  endJob(finished: boolean): Job | undefined {
    const job = this.job;
    if (!job) return undefined;
    this.lanes.release(job);
    this.job = undefined;
    clearTimeout(this.cancelTimer);
    this.cancelTimer = undefined;
    if (finished) this.jobsDone++;
    return job;
  }

  /**
   * Sends jobs in one message: a worker without a current job runs the first now; the others (all of them, for
   * a busy worker) start after its current job, in order. Throws (DataCloneError) if the message cannot be sent; then none
   * was sent and the worker is as it was.
   */
  assign(jobs: readonly Job[]): void {
    const runs: unknown[] = [];
    let transfers: TransferListItem[] | undefined;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      this.lanes.offer(job);
      this.targets.write(job, runs, i === 0);
      if (job.transfers.length > 0) (transfers ??= []).push(...job.transfers);
    }
    try {
      if (transfers && anyDetached(transfers)) {
        throw new Error('a value marked with transfer() has already been moved to another thread');
      }
      this.thread.post([{ kind: 'run', jobs: runs }] satisfies InstructionBatch, transfers);
    } catch (error) {
      for (const job of jobs) this.lanes.withdraw(job);
      this.targets.notPosted();
      throw error;
    }
    let first = 0;
    if (this.job === undefined) {
      this.job = jobs[0];
      jobs[0].mustMoveTo('running');
      this.state = 'busy';
      this.thread.ref();
      first = 1;
    }
    for (let i = first; i < jobs.length; i++) {
      jobs[i].mustMoveTo('prefetched');
      this.prefetched.push(jobs[i]);
    }
  }

  /** Takes back `job`, one of its prefetched jobs, unless the worker has started it. */
  reclaim(job: Job): boolean {
    const at = this.prefetched.indexOf(job);
    if (at < 0 || !this.lanes.withdraw(job)) return false;
    this.prefetched.splice(at, 1);
    return true;
  }

  /** Takes back its last prefetched job (the one furthest from starting), unless the worker has started it. */
  reclaimLast(): Job | undefined {
    const job = this.prefetched.at(-1);
    if (!job || !this.lanes.withdraw(job)) return undefined;
    this.prefetched.pop();
    return job;
  }

  /**
   * Takes back every prefetched job the worker has not started, returned in their order. The worker starts
   * them in order, so the ones left in `prefetched` are those it has started (or finished, its status on the way).
   */
  reclaimAll(): Job[] {
    let keep = this.prefetched.length;
    while (keep > 0 && this.lanes.withdraw(this.prefetched[keep - 1])) keep--;
    return this.prefetched.splice(keep);
  }

  /** After `endJob`: the first prefetched job, which the worker starts next, becomes its current one. */
  advance(): Job | undefined {
    this.job = this.prefetched.shift();
    this.job?.mustMoveTo('running');
    return this.job;
  }

  /** Handles the statuses already waiting on its channel now, rather than one event-loop turn each. */
  receivePending(listener: WorkerListener): void {
    for (let i = 0; i < MAX_STATUSES_PER_TURN && this.state !== 'exited'; i++) if (!this.receiveOne(listener)) return;
  }

  /** Handles the next message waiting on its channel; false when there is none. */
  private receiveOne(listener: WorkerListener): boolean {
    let received: { message: unknown } | undefined;
    try {
      received = this.thread.receive();
    } catch (error) {
      // The message is taken off the port all the same; the next one is readable again.
      listener.onBadStatus(this, 'it could not be read on the main thread', error);
      return true;
    }
    if (received) this.deliver(listener, received.message);
    return received !== undefined;
  }

  /** Hands a message on as a status, unless it is none the worker code sends (see status-check.ts). */
  private deliver(listener: WorkerListener, message: unknown): void {
    const problem = statusProblem(message);
    if (problem !== undefined) return listener.onBadStatus(this, problem);
    const status = message as Status;
    if ((status.kind === 'ready' || status.kind === 'boot-failed') && this.booted) {
      return listener.onBadStatus(this, `it says '${status.kind}', but the worker had booted already`);
    }
    listener.onStatus(this, status);
  }

  /** Sends a control instruction about its current job (cancel, pull). */
  send(instruction: Instruction): void {
    this.thread.post([instruction] satisfies InstructionBatch);
  }

  /** Marks the worker idle; an idle worker does not keep the process alive. */
  setIdle(): void {
    this.endJob(false);
    clearTimeout(this.cancelTimer);
    this.cancelTimer = undefined;
    this.state = 'idle';
    this.thread.unref();
  }

  /**
   * Asks the worker to close its context and end; terminates it if it has not ended after a grace period.
   * `reason`, if given, is what its `worker-down` event will say.
   */
  stop(reason?: WorkerDownReason): Promise<void> {
    if (reason !== undefined) this.downReason = reason;
    if (this.state === 'exited') return Promise.resolve();
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.state = 'stopping';
      this.thread.ref();
      try {
        this.thread.post([{ kind: 'exit' }] satisfies InstructionBatch);
      } catch {
        this.thread.terminate();
      }
      const timer = setTimeout(() => this.thread.terminate(), EXIT_GRACE_MS);
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** Ends the thread now. Its exit counts as requested, not as a panic; `reason` as in `stop`. */
  terminate(reason?: WorkerDownReason): Promise<void> {
    if (reason !== undefined) this.downReason = reason;
    if (this.state !== 'exited') {
      this.stopRequested = true;
      this.state = 'stopping';
      this.thread.terminate();
    }
    return this.exited;
  }
}
