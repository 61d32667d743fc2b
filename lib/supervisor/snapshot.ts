import type { PoolStats } from '../interfaces/pool-stats.interface';
import type { PoolStatus } from '../interfaces/pool-status.interface';
import type { JobJournal } from './job-journal';
import type { WorkerHandle } from './worker-handle';

/** What the pool has done since it started (the pool adds its name); running jobs count towards utilization. */
export function statsSnapshot(
  status: PoolStatus,
  journal: JobJournal,
  workers: readonly WorkerHandle[],
): Omit<PoolStats, 'pool'> {
  const { busy, idle, starting, queued, state, size, respawns, recycled } = status;
  const { jobs, waitMs, runMs, busyMs, startedAt } = journal.totals();
  const now = Date.now();
  let running = 0;
  for (const worker of workers) if (worker.job) running += now - worker.job.startedAt;
  const uptimeMs = now - startedAt;
  return {
    state,
    size,
    workers: { busy, idle, starting },
    queued,
    jobs,
    respawns,
    recycled,
    waitMs,
    runMs,
    utilization: uptimeMs > 0 ? Math.min(1, (busyMs + running) / (size * uptimeMs)) : 0,
    uptimeMs,
  };
}
