import type { WorkerSpec } from '../supervisor/worker-thread';
import { workerLaunch } from '../worker/worker-launch';
import type { TransportContext } from './job-transport';

/**
 * The workers' young generation, unless `resourceLimits` says otherwise: V8 sizes it for a whole app (16 MiB
 * and more), which a worker fills with garbage before it collects any; a small one keeps RSS per worker down.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

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
