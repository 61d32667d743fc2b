import { claim } from '../../lib/protocol/lanes';
import {
  readRuns,
  type Instruction,
  type InstructionBatch,
  type JobRun,
  type RunInstruction,
  type Status,
} from '../../lib/protocol/messages';
import type { Job, JobCanceller, JobSettings, JobSink } from '../../lib/supervisor/job';
import type { WorkerListener, WorkerSpec } from '../../lib/supervisor/worker-handle';
import type { WorkerThread, WorkerThreadEvents, WorkerThreadFactory } from '../../lib/supervisor/worker-thread';

/**
 * A worker thread played by the test, behind the seam WorkerHandle talks to (worker-thread.ts): it records what
 * it is sent and says what the test tells it to, on the test's own turn. No thread, no timing.
 */
export class ScriptedThread implements WorkerThread {
  readonly batches: InstructionBatch[] = [];
  terminated = false;
  private readonly inbox: unknown[] = [];

  constructor(
    readonly workerId: number,
    private readonly lanes: Int32Array,
    private readonly events: WorkerThreadEvents,
  ) {}

  /** The ids of the jobs it was told to run, in the order they came. */
  get runs(): number[] {
    return this.jobRuns.map((run) => run.id);
  }

  /** The jobs it was told to run, as the worker reads them, in the order they came. */
  get jobRuns(): JobRun[] {
    return this.instructions.filter((i): i is RunInstruction => i.kind === 'run').flatMap(readRuns);
  }

  get instructions(): Instruction[] {
    return this.batches.flat();
  }

  post(batch: InstructionBatch): void {
    this.batches.push(batch);
  }

  receive(): { message: unknown } | undefined {
    return this.inbox.length > 0 ? { message: this.inbox.shift() } : undefined;
  }

  ref(): void {}

  unref(): void {}

  /** Noted only: as with node's Worker, the exit comes later (the test calls `exits`). */
  terminate(): void {
    this.terminated = true;
  }

  close(): void {}

  /** The worker starts a job it was sent ahead: it claims its lane, as the real one does. */
  claim(job: Job): boolean {
    return claim(this.lanes, job.lane, job.id);
  }

  /** The worker posts a status, and the main thread reads it. */
  says(status: Status): void {
    this.events.message(status);
  }

  /** The worker has exited after an `exit` instruction (or of its own accord). */
  exits(code = 0): void {
    this.events.exit(code);
  }
}

/** A factory for WorkerHandle that hands out scripted threads, kept in `threads` by worker id. */
export function scriptedThreads(): { factory: WorkerThreadFactory; threads: Map<number, ScriptedThread> } {
  const threads = new Map<number, ScriptedThread>();
  const factory: WorkerThreadFactory = (workerId, spec, lanes, events) => {
    const thread = new ScriptedThread(workerId, lanes, events);
    threads.set(workerId, thread);
    return thread;
  };
  return { factory, threads };
}

export const SPEC: WorkerSpec = {
  filename: 'no-such-file.js',
  bootData: {} as WorkerSpec['bootData'],
};

/** A job's caller that listens to nothing, its canceller and the pool's default settings, for unit specs. */
export const QUIET_SINK: JobSink = { next: () => undefined, complete: () => undefined, error: () => undefined };
export const NO_CANCELLER: JobCanceller = { cancel: () => undefined };
export const DEFAULT_SETTINGS: JobSettings = {
  priority: 0,
  timeout: undefined,
  queueTimeout: undefined,
  onProgress: undefined,
};

/** A supervisor stand-in that ignores whatever its workers say. */
export const QUIET_LISTENER: WorkerListener = {
  onStatus: () => undefined,
  onBadStatus: () => undefined,
  onStatusesHandled: () => undefined,
  onExit: () => undefined,
};
