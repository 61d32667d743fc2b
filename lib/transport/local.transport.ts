/**
 * The default transport: a supervisor and this process's worker threads. Nothing to install, nothing shared
 * with other processes.
 */
import { hostname } from 'node:os';
import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import type { Job } from '../supervisor/job';
import { Supervisor } from '../supervisor/supervisor';
import { workerLaunch } from '../worker/worker-launch';
import type { JobTransport, TransportContext, TransportFactory } from './job-transport';

/**
 * The workers' young generation, unless `resourceLimits` says otherwise: V8 sizes it for a whole app (16 MiB
 * and more), which a worker fills with garbage before it collects any; a small one keeps RSS per worker down.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

class LocalTransport implements JobTransport {
  readonly ready: Promise<void>;
  readonly instance = `${hostname()}:${process.pid}`;
  private readonly supervisor: Supervisor;

  constructor({ name, options, catalog, ...hooks }: TransportContext) {
    const launch = workerLaunch(catalog.files, options.execArgv, name);
    // The resolved options as they are: the supervisor reads the ones it declares, the compiler checks their types.
    this.supervisor = new Supervisor({ ...options, ...hooks });
    this.ready = this.supervisor.start({
      filename: launch.filename,
      execArgv: launch.execArgv,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, ...options.resourceLimits },
      bootData: {
        poolioWorker: true,
        catalog: catalog.worker,
        logLevels: options.workerLogLevels,
        retireAboveHeapMb: options.recycleAboveHeapMb,
        loader: launch.loader,
      },
    });
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
