import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../index';

/** A pool whose metrics are reported, under its `pool` label. */
export interface MeteredPool {
  readonly pool: Pool;
  /** The pool's name; `default` for the default pool. */
  readonly label: string;
  /** Respawns and recycled workers already counted. */
  respawns: number;
  recycled: number;
}

/** How a job ended, the `outcome` label of `<prefix>jobs_total`. */
export type JobOutcome = 'completed' | 'failed' | 'panicked' | 'cancelled' | 'refused';

const SUFFIXES = [
  'workers',
  'pool_size',
  'queue_depth',
  'utilization_ratio',
  'worker_respawns_total',
  'worker_recycles_total',
  'jobs_total',
  'job_wait_seconds',
  'job_run_seconds',
] as const;

const sets = new WeakMap<Registry, Map<string, PoolMetricSet>>();

/**
 * @internal The metrics of one prefix in one registry, shared by every `PoolMetricsModule` that uses them (two apps in
 * one process): created by the first, removed from the registry when the last one is destroyed. Gauges and the worker
 * counters read the pools when the registry is collected; the job counters and histograms are fed from `events$`.
 */
export class PoolMetricSet {
  readonly jobs: Counter<'pool' | 'job' | 'outcome'>;
  readonly waitSeconds: Histogram<'pool' | 'job'>;
  readonly runSeconds: Histogram<'pool' | 'job'>;
  private readonly respawns: Counter<'pool'>;
  private readonly recycles: Counter<'pool'>;
  private readonly pools = new Set<MeteredPool>();
  private readonly names: string[] = [];
  private users = 0;

  /** The set for this registry and prefix, created (and registered) if it is not there yet. */
  static acquire(registry: Registry, prefix: string, buckets: readonly number[]): PoolMetricSet {
    let byPrefix = sets.get(registry);
    if (!byPrefix) sets.set(registry, (byPrefix = new Map()));
    let set = byPrefix.get(prefix);
    if (!set) byPrefix.set(prefix, (set = new PoolMetricSet(registry, prefix, buckets)));
    set.users++;
    return set;
  }

  private constructor(
    private readonly registry: Registry,
    private readonly prefix: string,
    buckets: readonly number[],
  ) {
    const pools = this.pools;
    const registers = [registry];
    for (const suffix of SUFFIXES) {
      const taken = `${prefix}${suffix}`;
      if (registry.getSingleMetric(taken)) {
        throw new Error(
          `PoolMetricsModule: the registry already has a metric named ${taken} that it did not register; ` +
            `give PoolMetricsModule.forRoot() another prefix`,
        );
      }
    }
    const name = (suffix: (typeof SUFFIXES)[number]): string => {
      this.names.push(`${prefix}${suffix}`);
      return `${prefix}${suffix}`;
    };
    new Gauge({
      name: name('workers'),
      help: 'Worker threads of the pool, by state: busy (running a job), idle, starting (booting).',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { pool, label } of pools) {
          const { busy, idle, starting } = pool.status();
          this.set({ pool: label, state: 'busy' }, busy);
          this.set({ pool: label, state: 'idle' }, idle);
          this.set({ pool: label, state: 'starting' }, starting);
        }
      },
    });
    new Gauge({
      name: name('pool_size'),
      help: 'Worker threads the pool keeps (its configured size).',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const { pool, label } of pools) this.set({ pool: label }, pool.status().size);
      },
    });
    new Gauge({
      name: name('queue_depth'),
      help: 'Jobs waiting for a worker.',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const { pool, label } of pools) this.set({ pool: label }, pool.status().queued);
      },
    });
    new Gauge({
      name: name('utilization_ratio'),
      help: "Share of the workers' time spent running jobs since the pool started, 0 to 1.",
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const { pool, label } of pools) this.set({ pool: label }, pool.stats().utilization);
      },
    });
    this.respawns = new Counter({
      name: name('worker_respawns_total'),
      help: 'Workers started to replace one that panicked or was terminated.',
      labelNames: ['pool'],
      registers,
      collect() {
        for (const metered of pools) {
          const { respawns } = metered.pool.status();
          if (respawns > metered.respawns) this.inc({ pool: metered.label }, respawns - metered.respawns);
          metered.respawns = Math.max(metered.respawns, respawns);
        }
      },
    });
    this.recycles = new Counter({
      name: name('worker_recycles_total'),
      help: 'Workers replaced by recycling (recycleAfterJobs, recycleAboveHeapMb).',
      labelNames: ['pool'],
      registers,
      collect() {
        for (const metered of pools) {
          const { recycled } = metered.pool.status();
          if (recycled > metered.recycled) this.inc({ pool: metered.label }, recycled - metered.recycled);
          metered.recycled = Math.max(metered.recycled, recycled);
        }
      },
    });
    this.jobs = new Counter({
      name: name('jobs_total'),
      help: 'Jobs that ended, by outcome: completed, failed, panicked, cancelled, refused (on submission).',
      labelNames: ['pool', 'job', 'outcome'],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: name('job_wait_seconds'),
      help: 'Time jobs waited in the queue before they started, in seconds.',
      labelNames: ['pool', 'job'],
      buckets: [...buckets],
      registers,
    });
    this.runSeconds = new Histogram({
      name: name('job_run_seconds'),
      help: 'Time jobs ran on a worker, from start to result or error, in seconds.',
      labelNames: ['pool', 'job'],
      buckets: [...buckets],
      registers,
    });
  }

  /** Reports a pool's metrics from now on. */
  add(metered: MeteredPool): void {
    this.pools.add(metered);
    // Counters start at 0 rather than appear at their first increment.
    this.respawns.inc({ pool: metered.label }, 0);
    this.recycles.inc({ pool: metered.label }, 0);
  }

  /** Stops reporting a pool (its gauges disappear; its counters keep their last values). */
  delete(metered: MeteredPool): void {
    this.pools.delete(metered);
  }

  /** One user fewer; the last one removes the metrics from the registry. */
  release(): void {
    if (--this.users > 0) return;
    for (const name of this.names) this.registry.removeSingleMetric(name);
    sets.get(this.registry)?.delete(this.prefix);
  }
}
