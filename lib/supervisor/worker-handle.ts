import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
  type ResourceLimits,
  type TransferListItem,
} from 'node:worker_threads';
import type { WorkerDownReason } from '../interfaces/pool-event.interface';
import { claim, createLanes, LANES, offer } from '../protocol/lanes';
import { anyDetached } from '../protocol/transfer';
import type { Instruction, InstructionBatch, Status, WorkerBootData } from '../protocol/messages';
import { statusProblem } from '../protocol/status-check';
import type { Job } from './job';

/** How to start a worker thread: everything but its id and channel. */
export interface WorkerSpec {
  readonly filename: string;
  readonly execArgv?: readonly string[];
  readonly resourceLimits?: ResourceLimits;
  readonly bootData: Omit<WorkerBootData, 'workerId' | 'port' | 'lanes'>;
}

/** Why a worker thread ended. */
export interface WorkerExit {
  readonly code: number;
  /** The uncaught error that ended it, if any. */
  readonly error?: Error;
  /** True when the supervisor asked it to stop. */
  readonly requested: boolean;
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
/** Statuses handled in one go before the event loop gets a turn (a job that logs in a loop must not starve it). */
const MAX_STATUSES_PER_TURN = 256;

/** One worker thread and its own channel, as the supervisor sees it. */
export class WorkerHandle {
  state: WorkerState = 'starting';
  /** The job it runs; set only while `busy`. */
  job: Job | undefined;
  /** Jobs sent to start after `job`, in order (prefetched); any it has not started may be taken back (lanes.ts). */
  readonly prefetched: Job[] = [];
  /** Set when it must be replaced once its jobs end (recycling asked for while a prefetched job had started). */
  retiring = false;
  private readonly lanes = createLanes();
  /** Lanes holding a job this worker may still claim or is running: bit n for lane n. */
  private lanesInUse = 0;
  /** Set once the worker has reported `ready`. */
  booted = false;
  /** Jobs it has finished, for `recycleAfterJobs`. */
  jobsRun = 0;
  /** Set while its job is being cancelled: ends it if the job has not stopped within the grace period. */
  cancelTimer: NodeJS.Timeout | undefined;
  /** Why the supervisor stopped it, for the `worker-down` event. */
  stopReason: WorkerDownReason = 'shutdown';
  /** What the worker said when it could not boot. */
  bootError: Error | undefined;
  private readonly thread: Worker;
  private readonly port: MessagePort;
  private uncaught: Error | undefined;
  private stopRequested = false;
  private readonly exited: Promise<void>;

  constructor(
    readonly id: number,
    spec: WorkerSpec,
    listener: WorkerListener,
  ) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    const bootData: WorkerBootData = { ...spec.bootData, workerId: id, port: channel.port2, lanes: this.lanes };
    this.thread = new Worker(spec.filename, {
      workerData: bootData,
      transferList: [channel.port2],
      execArgv: spec.execArgv ? [...spec.execArgv] : undefined,
      resourceLimits: spec.resourceLimits,
    });
    this.port.on('message', (message: unknown) => {
      this.deliver(listener, message);
      this.receivePending(listener);
      listener.onStatusesHandled(this);
    });
    this.port.on('messageerror', (error: Error) => {
      listener.onBadStatus(this, 'it could not be read on the main thread', error);
      listener.onStatusesHandled(this);
    });
    // The worker's own ref decides whether it keeps the process alive (see setBusy), not its port.
    this.port.unref();
    this.thread.on('error', (error) => {
      this.uncaught ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.thread.once('exit', (code) => {
        this.state = 'exited';
        // A busy main thread hears of the exit before the statuses the worker posted first: they are judged
        // now, so that a job it finished is not taken for one that died with it.
        this.receiveAll(listener);
        this.port.close();
        listener.onExit(this, { code, error: this.uncaught, requested: this.stopRequested });
        resolve();
      });
    });
  }

  /**
   * Sends jobs in one message: a worker without a current job runs the first now; the others (all of them, for
   * a busy worker) start after its current job, in order. Throws (DataCloneError) if the message cannot be sent; then none
   * was sent and the worker is as it was.
   */
  assign(jobs: readonly Job[]): void {
    const instructions = new Array<Instruction>(jobs.length);
    let transfers: TransferListItem[] | undefined;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      const lane = this.takeLane();
      job.lane = lane;
      offer(this.lanes, lane, job.id);
      instructions[i] = job.instruction();
      if (job.transfers.length > 0) (transfers ??= []).push(...job.transfers);
    }
    try {
      if (transfers && anyDetached(transfers)) {
        throw new Error('a value marked with transfer() has already been moved to another thread');
      }
      this.port.postMessage(instructions satisfies InstructionBatch, transfers);
    } catch (error) {
      for (const job of jobs) this.withdraw(job);
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
    if (at < 0 || !this.withdraw(job)) return false;
    this.prefetched.splice(at, 1);
    return true;
  }

  /** Takes back its last prefetched job (the one furthest from starting), unless the worker has started it. */
  reclaimLast(): Job | undefined {
    const job = this.prefetched.at(-1);
    if (!job || !this.withdraw(job)) return undefined;
    this.prefetched.pop();
    return job;
  }

  /**
   * Takes back every prefetched job the worker has not started, returned in their order. The worker starts
   * them in order, so the ones left in `prefetched` are those it has started (or finished, its status on the way).
   */
  reclaimAll(): Job[] {
    let keep = this.prefetched.length;
    while (keep > 0 && this.withdraw(this.prefetched[keep - 1])) keep--;
    return this.prefetched.splice(keep);
  }

  /** It no longer runs its current job (the job ended, or was given up on): returns that job. */
  dropJob(): Job | undefined {
    const job = this.job;
    if (job) this.releaseLane(job);
    this.job = undefined;
    return job;
  }

  /** After `dropJob`: the first prefetched job, which the worker starts next, becomes its current one. */
  advance(): Job | undefined {
    this.job = this.prefetched.shift();
    this.job?.mustMoveTo('running');
    return this.job;
  }

  /** Handles the statuses already waiting on its channel now, rather than one event-loop turn each. */
  receivePending(listener: WorkerListener): void {
    for (let i = 0; i < MAX_STATUSES_PER_TURN && this.state !== 'exited'; i++) if (!this.receiveOne(listener)) return;
  }

  /** Handles every status left on its channel once its thread has ended (nothing more can arrive). */
  private receiveAll(listener: WorkerListener): void {
    while (this.receiveOne(listener));
  }

  /** Handles the next message waiting on its channel; false when there is none. */
  private receiveOne(listener: WorkerListener): boolean {
    let received: { message: unknown } | undefined;
    try {
      received = receiveMessageOnPort(this.port);
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
    this.port.postMessage([instruction] satisfies InstructionBatch);
  }

  private takeLane(): number {
    const free = ~this.lanesInUse & (this.lanesInUse + 1); // the lowest clear bit
    const lane = 31 - Math.clz32(free);
    if (lane >= LANES) throw new Error(`Worker ${this.id} was sent more jobs than it has lanes for`);
    this.lanesInUse |= free;
    return lane;
  }

  /**
   * Takes the job off offer; true unless the worker had claimed it already. A job keeps its lane until it is
   * taken back or has ended, so a lane is never offered again while the worker may still try to claim it.
   */
  private withdraw(job: Job): boolean {
    const won = claim(this.lanes, job.lane, job.id);
    if (won) this.releaseLane(job);
    return won;
  }

  private releaseLane(job: Job): void {
    this.lanesInUse &= ~(1 << job.lane);
  }

  /** Marks the worker idle; an idle worker does not keep the process alive. */
  setIdle(): void {
    this.dropJob();
    clearTimeout(this.cancelTimer);
    this.cancelTimer = undefined;
    this.state = 'idle';
    this.thread.unref();
  }

  /** Asks the worker to close its context and end; terminates it if it has not ended after a grace period. */
  stop(): Promise<void> {
    if (this.state === 'exited') return Promise.resolve();
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.state = 'stopping';
      this.thread.ref();
      try {
        this.port.postMessage([{ kind: 'exit' }] satisfies InstructionBatch);
      } catch {
        void this.thread.terminate();
      }
      const timer = setTimeout(() => void this.thread.terminate(), EXIT_GRACE_MS);
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** Ends the thread now. Its exit counts as requested, not as a panic. */
  terminate(): Promise<void> {
    if (this.state !== 'exited') {
      this.stopRequested = true;
      this.state = 'stopping';
      void this.thread.terminate();
    }
    return this.exited;
  }
}
