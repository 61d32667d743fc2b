import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type ResourceLimits,
  type TransferListItem,
} from 'node:worker_threads';
import type { InstructionBatch, WorkerBootData } from '../protocol/messages';
import { listenInTurns } from './message-turns';

/** How to start a worker thread: everything but its id and channel. */
export interface WorkerSpec {
  readonly filename: string;
  readonly execArgv?: readonly string[];
  readonly resourceLimits?: ResourceLimits;
  readonly bootData: Omit<WorkerBootData, 'workerId' | 'port' | 'lanes'>;
}

/** What a thread tells its handle. */
export interface WorkerThreadEvents {
  /** A message arrived on the worker's channel. */
  message(message: unknown): void;
  /** A message arrived that this thread could not read. */
  messageError(error: Error): void;
  /** An uncaught error in the thread (its exit follows). */
  error(error: Error): void;
  exit(code: number): void;
}

/**
 * The seam in front of a worker thread and its own channel: all a WorkerHandle does with them. Node's Worker
 * stands behind it in the pool; a unit test can stand a scripted one there instead.
 */
export interface WorkerThread {
  /** Posts instructions; throws (DataCloneError) if they cannot be sent, and then none was. */
  post(batch: InstructionBatch, transfers?: readonly TransferListItem[]): void;
  /** Takes the next message waiting on the channel now; undefined when none is; throws if it is unreadable. */
  receive(): { message: unknown } | undefined;
  /** Whether the thread keeps the process alive. */
  ref(): void;
  unref(): void;
  terminate(): void;
  /** Closes the channel (after the exit). */
  close(): void;
}

/** Starts a thread for worker `workerId` with its claim lanes; `events` hears from it. */
export type WorkerThreadFactory = (
  workerId: number,
  spec: WorkerSpec,
  lanes: Int32Array,
  events: WorkerThreadEvents,
) => WorkerThread;

/** The default: a node `Worker` with its own `MessageChannel`. */
export const startNodeThread: WorkerThreadFactory = (workerId, spec, lanes, events) => {
  const channel = new MessageChannel();
  const port = channel.port1;
  const bootData: WorkerBootData = { ...spec.bootData, workerId, port: channel.port2, lanes };
  const thread = new Worker(spec.filename, {
    workerData: bootData,
    transferList: [channel.port2],
    execArgv: spec.execArgv ? [...spec.execArgv] : undefined,
    resourceLimits: spec.resourceLimits,
  });
  listenInTurns(port, (message) => events.message(message));
  port.on('messageerror', (error: Error) => events.messageError(error));
  // The worker's own ref decides whether it keeps the process alive (see WorkerHandle), not its port.
  port.unref();
  thread.on('error', (error) => events.error(error));
  thread.once('exit', (code) => events.exit(code));
  return {
    post: (batch, transfers) => port.postMessage(batch, transfers as TransferListItem[] | undefined),
    receive: () => receiveMessageOnPort(port),
    ref: () => thread.ref(),
    unref: () => thread.unref(),
    terminate: () => void thread.terminate(),
    close: () => port.close(),
  };
};
