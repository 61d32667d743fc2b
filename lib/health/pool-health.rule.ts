import type { PoolStats } from '../index';

/**
 * Why a pool cannot take work, or `undefined` when it can: it is killed or being killed (`PanicSwitch.Kill`),
 * closing or closed, or it has no live worker (none idle or busy) once it has started. A pool still `starting`
 * (before its first worker is ready) counts as healthy: the app is not serving yet. A pool on a shared queue
 * (BullMQ) is also down while this instance cannot reach Redis.
 */
export function whyPoolIsDown(
  stats: Pick<PoolStats, 'state' | 'workers'> & Partial<Pick<PoolStats, 'size' | 'queue'>>,
): string | undefined {
  if (stats.queue && !stats.queue.reachable && stats.state !== 'closed') {
    return "Redis is unreachable: the pool's shared queue can be neither read nor written";
  }
  switch (stats.state) {
    case 'killing':
    case 'killed':
      return `the pool is ${stats.state}: a job panicked under PanicSwitch.Kill`;
    case 'closing':
    case 'closed':
      return `the pool is ${stats.state}`;
    case 'starting':
      return undefined;
    default: {
      // An instance that only submits to a shared queue has no threads of its own to be down.
      if (stats.queue && stats.size === 0) return undefined;
      const { idle, busy, starting } = stats.workers;
      if (idle + busy > 0) return undefined;
      return starting > 0 ? `no live worker: ${starting} worker(s) starting` : 'no live worker';
    }
  }
}
