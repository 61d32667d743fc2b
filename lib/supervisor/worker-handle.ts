import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { WorkerDownReason } from '../interfaces/pool-event.interface';
import { claim, createLanes, offer } from '../protocol/lanes';
import type { Instruction, Status, WorkerBootData } from '../protocol/messages';
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
  onExit(worker: WorkerHandle, exit: WorkerExit): void;
}

export type WorkerState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

const EXIT_GRACE_MS = 5_000;

/** One worker thread and its own channel, as the supervisor sees it. */
export class WorkerHandle {
  state: WorkerState = 'starting';
  /** The job it runs; set only while `busy`. */
  job: Job | undefined;
  /** The job sent to start right after `job` (prefetched); the supervisor may take it back (see lanes.ts). */
  next: Job | undefined;
  /** Set when it must be replaced once its current job ends (recycling asked for while a next job had started). */
  retiring = false;
  private readonly lanes = createLanes();
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
    this.port.on('message', (status: Status) => listener.onStatus(this, status));
    // The worker's own ref decides whether it keeps the process alive (see setBusy), not its port.
    this.port.unref();
    this.thread.on('error', (error) => {
      this.uncaught ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.thread.once('exit', (code) => {
        this.state = 'exited';
        this.port.close();
        listener.onExit(this, { code, error: this.uncaught, requested: this.stopRequested });
        resolve();
      });
    });
  }

  /** Hands the worker a job. Throws (DataCloneError) if the arguments cannot be sent; the worker stays idle. */
  run(job: Job): void {
    this.post(job, 0);
    this.job = job;
    job.state = 'running';
    this.state = 'busy';
    this.thread.ref();
  }

  /** Sends the worker the job to start as soon as its current one ends. Throws like `run`. */
  prefetch(job: Job): void {
    this.post(job, 1 - this.job!.instruction.lane);
    this.next = job;
    job.state = 'prefetched';
  }

  /** Takes back the prefetched job if the worker has not started it; returns it, or `undefined`. */
  reclaimNext(): Job | undefined {
    const job = this.next;
    if (!job || !claim(this.lanes, job.instruction.lane, job.id)) return undefined;
    this.next = undefined;
    return job;
  }

  private post(job: Job, lane: number): void {
    job.instruction.lane = lane;
    offer(this.lanes, lane, job.id);
    try {
      this.port.postMessage(job.instruction, job.transfers);
    } catch (error) {
      claim(this.lanes, lane, job.id);
      throw error;
    }
  }

  /** Sends a control instruction about its current job (cancel, pull). */
  send(instruction: Instruction): void {
    this.port.postMessage(instruction);
  }

  /** Marks the worker idle; an idle worker does not keep the process alive. */
  setIdle(): void {
    this.job = undefined;
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
        this.port.postMessage({ kind: 'exit' } satisfies Instruction);
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
