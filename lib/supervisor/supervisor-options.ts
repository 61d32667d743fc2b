import type { LogLevel } from '@nestjs/common';
import type { KillReport } from '../interfaces/kill-report.interface';
import type { PoolEvent } from '../interfaces/pool-event.interface';
import type { PanicSwitch } from '../panic-switch.enum';
import type { WorkerThreadFactory } from './worker-thread';

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
  /** Starts a worker's thread; node's Worker unless a unit test stands a scripted one in (worker-thread.ts). */
  readonly createThread?: WorkerThreadFactory;
}

export interface WorkerLogRecord {
  readonly workerId: number;
  readonly job: string | undefined;
  readonly level: LogLevel;
  readonly message: string;
  readonly context: string | undefined;
}
