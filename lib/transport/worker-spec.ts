import type { WorkerSpec } from '../supervisor/worker-thread';
import { workerLaunch } from '../worker/worker-launch';
import type { TransportContext } from './job-transport';

/**
 * The workers' young generation, unless `resourceLimits` says otherwise: V8 sizes it for a whole app (16 MiB
 * and more), which a worker fills with garbage before it collects any; a small one keeps RSS per worker down.
 * From 3 MiB V8 makes its smallest new space, 2 MiB (1 or 2 give the same; 4 gave 4 MiB). On Node 24 that was
 * 1.6-2 MiB less RSS per worker than 4, for twice the scavenges on tiny jobs (134 against 67 per 100k jobs,
 * about 1 % more of the worker's time).
 */
const WORKER_YOUNG_GENERATION_MB = 3;

/** How a pool's worker threads start, whichever transport hands them jobs: file, loaders, limits, boot data. */
export function workerSpec({
  name,
  options,
  catalog,
}: Pick<TransportContext, 'name' | 'options' | 'catalog'>): WorkerSpec {
  const launch = workerLaunch(catalog.files, options.execArgv, name);
  return {
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
  };
}
