/**
 * The whole vocabulary between the supervisor and a worker. Each worker has its own MessageChannel;
 * the worker speaks only in `Status`es, the supervisor only in `Instruction`s, and it sends a `run`
 * instruction only to a worker whose last status said it was idle (`ready`, `done` or `failed`).
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

export interface RunInstruction {
  readonly kind: 'run';
  readonly id: number;
  readonly target: JobTarget;
  readonly args: readonly unknown[];
}

/** Close the worker's Nest context and end the thread. */
export interface ExitInstruction {
  readonly kind: 'exit';
}

export type Instruction = RunInstruction | ExitInstruction;

/** Booted and idle. */
export interface ReadyStatus {
  readonly kind: 'ready';
}

/** The job `id` returned `value`; the worker is idle again. */
export interface DoneStatus {
  readonly kind: 'done';
  readonly id: number;
  readonly value: unknown;
}

/** The job `id` threw or rejected; the worker is idle again. */
export interface FailedStatus {
  readonly kind: 'failed';
  readonly id: number;
  readonly error: EncodedError;
}

/** The worker could not boot; it ends its thread after sending this. */
export interface BootFailedStatus {
  readonly kind: 'boot-failed';
  readonly error: EncodedError;
}

export type Status = ReadyStatus | DoneStatus | FailedStatus | BootFailedStatus;

/** Where a worker finds a class: the file that exports it, and under which name. */
export interface ExportRef {
  /** Empty: search `WorkerCatalog.files`. */
  readonly file: string;
  /** Empty: search the file's exports by class name. */
  readonly exportName: string;
  readonly className: string;
}

/** What a worker boots: the modules hosting the job providers, and how to find each job class. */
export interface WorkerCatalog {
  readonly modules: readonly ExportRef[];
  readonly jobs: readonly { readonly key: string; readonly ref: ExportRef }[];
  /** Files to search by class name for refs without a file (the `jobFiles` option). */
  readonly files: readonly string[];
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
}
