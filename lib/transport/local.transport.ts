/**
 * The default transport: a supervisor and this process's worker threads. Nothing to install, nothing shared
 * with other processes.
 */
import { hostname } from 'node:os';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import type { Job } from '../supervisor/job';
import { Supervisor } from '../supervisor/supervisor';
import type { JobTransport, TransportContext, TransportFactory } from './job-transport';
import { workerSpec } from './worker-spec';

class LocalTransport implements JobTransport {
  readonly ready: Promise<void>;
  readonly instance = `${hostname()}:${process.pid}`;
  private readonly supervisor: Supervisor;

  constructor({ name, options, catalog, ...hooks }: TransportContext) {
    // The resolved options as they are: the supervisor reads the ones it declares, the compiler checks their types.
    this.supervisor = new Supervisor({ ...options, ...hooks });
    this.ready = this.supervisor.start(workerSpec({ name, options, catalog }));
  }

  submit(job: Job): void {
    this.supervisor.submit(job);
  }

  cancel(job: Job, error?: Error): void {
    this.supervisor.cancel(job, error);
  }

  join(): Promise<void> {
    return this.supervisor.join();
  }

  close(): Promise<void> {
    return this.supervisor.close();
  }

  status(): PoolStatus {
    return this.supervisor.status();
  }

  stats(): Omit<PoolStats, 'pool'> {
    return this.supervisor.stats();
  }
}

/** Runs a pool's jobs on worker threads of this process. */
export const localTransport: TransportFactory = Object.assign(
  (context: TransportContext): JobTransport => new LocalTransport(context),
  { transportName: 'local' },
);
