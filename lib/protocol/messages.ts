/**
 * The whole vocabulary between the supervisor and a worker. Each worker has its own MessageChannel;
 * the worker speaks only in `Status`es, the supervisor only in `Instruction`s. A worker runs one job at a
 * time; besides it, it may hold a few `run` instructions to start next (prefetch, see lanes.ts), which the
 * supervisor can take back until the worker starts them.
 *
 * The supervisor sends instructions in batches (an `InstructionBatch` per message), so a busy worker is topped
 * up with several jobs (one `run` instruction) for the cost of one message. A worker sends each status in a
 * message of its own, as it happens, so that a worker that dies has already told the supervisor of every job
 * it finished.
 */
import type { LogLevel } from '@nestjs/common';
import type { MessagePort } from 'node:worker_threads';
import type { EncodedError } from './error-codec';

/** What a job is, independent of any transport: a provider method, or a self-contained function. */
export type JobTarget = ProviderJobTarget | FunctionJobTarget;

export interface ProviderJobTarget {
  readonly kind: 'provider';
  /** The job class's key in the catalog (its class name). */
  readonly job: string;
  readonly method: string;
}

export interface FunctionJobTarget {
  readonly kind: 'function';
  /** The function's source; it is compiled in the worker and captures nothing. */
  readonly source: string;
}

/** One job to run, as a worker reads it out of a `RunInstruction`. */
export interface JobRun {
  readonly id: number;
  /** The claim slot the job is offered on (see lanes.ts). */
  readonly lane: number;
  /**
   * What to run. A provider target the worker was sent before comes as the number it was given then
   * (`remember`): the supervisor clones three strings fewer per job.
   */
  readonly target: JobTarget | number;
  /** Set the first time a provider target is sent to this worker: the number later instructions name it by. */
  readonly remember: number | undefined;
  readonly args: readonly unknown[];
}

/**
 * Jobs to run, in order: an idle worker starts the first now, the others after it (prefetched). `jobs` is
 * flat, `RUN_FIELDS` entries a job in `JobRun`'s order (`writeRun`, `readRuns`): cloning one array of numbers
 * and argument arrays costs both threads a fraction of cloning an object with five keys per job.
 */
export interface RunInstruction {
  readonly kind: 'run';
  readonly jobs: readonly unknown[];
}

/** Entries a job takes in `RunInstruction.jobs`. */
const RUN_FIELDS = 5;

/**
 * Appends one job to the `jobs` of a `RunInstruction` being built. (Pushed, not written into a presized array:
 * V8 clones a holey array sparsely, index by index.)
 */
export function writeRun(
  jobs: unknown[],
  id: number,
  lane: number,
  target: JobTarget | number,
  remember: number | undefined,
  args: readonly unknown[],
): void {
  jobs.push(id, lane, target, remember, args);
}

/** The jobs of a `RunInstruction`, in order. */
export function readRuns(instruction: RunInstruction): JobRun[] {
  const { jobs } = instruction;
  const runs = new Array<JobRun>(Math.floor(jobs.length / RUN_FIELDS));
  for (let i = 0, at = 0; i < runs.length; i++, at += RUN_FIELDS) {
    runs[i] = {
      id: jobs[at] as number,
      lane: jobs[at + 1] as number,
      target: jobs[at + 2] as JobTarget | number,
      remember: jobs[at + 3] as number | undefined,
      args: jobs[at + 4] as readonly unknown[],
    };
  }
  return runs;
}

/** Stop the running job `id`: abort its signal and, for a stream, return its iterator. */
export interface CancelInstruction {
  readonly kind: 'cancel';
  readonly id: number;
}

/** The caller took `count` more items of the stream `id`: the worker may produce that many more. */
export interface PullInstruction {
  readonly kind: 'pull';
  readonly id: number;
  readonly count: number;
}

/** Close the worker's Nest context and end the thread. */
export interface ExitInstruction {
  readonly kind: 'exit';
}

export type Instruction = RunInstruction | CancelInstruction | PullInstruction | ExitInstruction;

/** One message from the supervisor: instructions the worker follows in order. */
export type InstructionBatch = readonly Instruction[];

/** Booted and idle. */
export interface ReadyStatus {
  readonly kind: 'ready';
}

/**
 * The job `id` returned `value` (a stream: ended); the worker is idle again. `retire` asks the supervisor
 * to replace the worker (its heap is above the recycling threshold).
 */
export interface DoneStatus {
  readonly kind: 'done';
  readonly id: number;
  readonly value: unknown;
  /** Set when the job was a stream: its items came as `yield`s and `value` is not one of them. */
  readonly streamed?: true;
  readonly retire?: true;
}

/** The job `id` threw or rejected; the worker is idle again. */
export interface FailedStatus {
  readonly kind: 'failed';
  readonly id: number;
  readonly error: EncodedError;
  readonly retire?: true;
}

/** The stream `id` produced `value`; the worker is still busy with it. */
export interface YieldStatus {
  readonly kind: 'yield';
  readonly id: number;
  readonly value: unknown;
}

/** The job `id` reported progress; the worker is still busy with it. */
export interface ProgressStatus {
  readonly kind: 'progress';
  readonly id: number;
  readonly value: unknown;
}

/** A Nest `Logger` call in the worker, for the app's logger. `jobId`: the job running when it was made. */
export interface LogStatus {
  readonly kind: 'log';
  readonly level: LogLevel;
  readonly message: string;
  readonly context: string | undefined;
  readonly jobId: number | undefined;
}

/** The worker could not boot; it ends its thread after sending this. */
export interface BootFailedStatus {
  readonly kind: 'boot-failed';
  readonly error: EncodedError;
}

export type Status =
  ReadyStatus | DoneStatus | FailedStatus | YieldStatus | ProgressStatus | LogStatus | BootFailedStatus;

/** A stream may run this many items ahead of the caller; the supervisor grants more as the caller takes them. */
export const STREAM_WINDOW = 16;

/** A file a worker loads, and how: `require` (CommonJS) or `import()` (an ES module). */
export interface JobFile {
  /** An absolute path. */
  readonly file: string;
  readonly format: 'commonjs' | 'module';
}

/** Where a worker finds a class: a file's export, or (file empty) a search of `WorkerCatalog.files` by name. */
export interface ExportRef extends JobFile {
  /** Empty: search the file's exports by class name. */
  readonly exportName: string;
  readonly className: string;
}

/** What a worker boots: the modules hosting the job providers, and how to find each job class. */
export interface WorkerCatalog {
  readonly modules: readonly ExportRef[];
  readonly jobs: readonly { readonly key: string; readonly ref: ExportRef }[];
  /** Files to search by class name for refs without a file (the `jobFiles` option). */
  readonly files: readonly JobFile[];
  /**
   * The app's pools by name (`null`: the default pool). A worker provides each as an unusable pool, so that
   * a job module's other providers and controllers that inject one still resolve there.
   */
  readonly pools: readonly (string | null)[];
}

/** The `workerData` every pool worker starts with. */
export interface WorkerBootData {
  /** Marks the thread as a pool worker, so that a `PoolModule` loaded there stays inert. */
  readonly poolioWorker: true;
  readonly workerId: number;
  readonly port: MessagePort;
  readonly catalog: WorkerCatalog;
  readonly logLevels: LogLevel[] | false;
  /** Ask to be replaced once the heap is above this many MB after a job (`recycleAboveHeapMb`). */
  readonly retireAboveHeapMb: number | undefined;
  /** This worker's claim slots (SharedArrayBuffer). */
  readonly lanes: Int32Array;
  /** How the worker loads TypeScript job files, for its error messages and its ES-module hook. */
  readonly loader: WorkerLoader;
}

/** The loaders a worker runs its job files with. */
export interface WorkerLoader {
  /** An ES-module loader hook (a `file:` URL) the worker registers before it imports job files. */
  readonly moduleHook: string | undefined;
  /** The loaders in use, in words: `@swc-node/register (CommonJS hook)`, `none (plain Node)`. */
  readonly description: string;
  /** Nest and its dependencies as one prebuilt file, where one matches the installed versions. */
  readonly bundle: WorkerBundle | undefined;
}

/**
 * The worker bundle (scripts/build-worker-bundle.mjs) and where its packages are installed here: a worker
 * loads it, then answers a load of any file it holds with the bundle's instance of that module.
 */
export interface WorkerBundle {
  /** The bundle's file. */
  readonly file: string;
  /** Each bundled package's real folder here, by its index in the manifest. */
  readonly roots: readonly string[];
  /** Per bundled module, in the bundle's order: its package's index, its path in the package, 1 if CommonJS. */
  readonly modules: readonly (readonly [number, string, 0 | 1])[];
}
