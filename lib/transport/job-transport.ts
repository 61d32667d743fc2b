/**
 * The seam under `Pool`: "run this job somewhere". `Pool` (execute, with, join, status, stats, events$,
 * saturated$) builds each `Job` and talks to a transport only through this interface. The local transport runs
 * jobs on this process's worker threads; another (a queue shared by many app instances) plugs in here with no
 * change to `Pool`, its callers or the jobs.
 */
import type { KillReport } from '../interfaces/kill-report.interface';
import type { PoolEvent } from '../interfaces/pool-event.interface';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import type { JobCatalog } from '../jobs/job-catalog';
import type { ResolvedPoolOptions } from '../pool-options.validator';
import type { Job, JobCanceller } from '../supervisor/job';
import type { SupervisorLogger, WorkerLogRecord } from '../supervisor/supervisor';

export interface JobTransport extends JobCanceller {
  /** Resolves once it takes jobs (locally: its workers have booted); rejects when it cannot start. */
  readonly ready: Promise<void>;
  /** This app instance's name, for metrics and dashboards: `<hostname>:<pid>` unless the transport was given one. */
  readonly instance: string;
  /** Runs the job somewhere, or fails it at once (closed, queue full). Its outcome goes to the job's sink. */
  submit(job: Job): void;
  /** Withdraws the job, or stops it if it runs; with `error`, the caller gets that error. */
  cancel(job: Job, error?: Error): void;
  /** Resolves when nothing submitted is waiting or running. */
  join(): Promise<void>;
  /** Finishes every submitted job (within `shutdownTimeout`), then lets go of threads and connections. */
  close(): Promise<void>;
  status(): PoolStatus;
  stats(): Omit<PoolStats, 'pool'>;
}

/** What a transport is given by the `Pool` that owns it. */
export interface TransportContext {
  /** The pool's name (`null`: the default pool). */
  readonly name: string | null;
  readonly options: ResolvedPoolOptions;
  /** The pool's job providers and where the workers find them. */
  readonly catalog: JobCatalog;
  readonly logger: SupervisorLogger;
  readonly onSaturation: (saturated: boolean) => void;
  readonly onEvent: (event: PoolEvent) => void;
  readonly eventsObserved: () => boolean;
  readonly onWorkerLog: (record: WorkerLogRecord) => void;
  /** Under `PanicSwitch.Kill`, once the running jobs have finished. */
  readonly onKill: (report: KillReport) => void;
}

/** Makes a pool's transport when the pool starts: what `PoolOptions.transport` holds (a `PoolTransport`). */
export interface TransportFactory {
  readonly transportName: string;
  (context: TransportContext): JobTransport;
}
