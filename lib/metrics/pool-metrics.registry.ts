import { hostname } from 'node:os';
import { Counter, Gauge, Histogram, type LabelValues, type Registry } from 'prom-client';
import type { Pool } from '../index';

/** A pool whose metrics are reported, under its `pool` label and its instance label. */
export interface MeteredPool {
  readonly pool: Pool;
  /** The pool's name; `default` for the default pool. */
  readonly label: string;
  /** `pool.instance` once known: read when the collector starts, else once the pool has started. */
  instance: string | undefined;
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
  'queue_jobs',
  'queue_reachable',
  'worker_respawns_total',
  'worker_recycles_total',
  'jobs_total',
  'job_wait_seconds',
  'job_run_seconds',
] as const;
type Suffix = (typeof SUFFIXES)[number];

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** What a pool's transport names the instance when given no name; only a pool that never started needs it here. */
const FALLBACK_INSTANCE = `${hostname()}:${process.pid}`;

const sets = new WeakMap<Registry, Map<string, PoolMetricSet>>();

/**
 * @internal The metrics of one prefix in one registry, shared by every `PoolMetricsModule` that uses them (two apps in
 * one process): created by the first, removed from the registry when the last one is destroyed. Gauges and the worker
 * counters read the pools when the registry is collected; the job counters and histograms are fed from `events$`.
 */
export class PoolMetricSet {
  readonly jobs: Counter<string>;
  readonly waitSeconds: Histogram<string>;
  readonly runSeconds: Histogram<string>;
  private readonly pools = new Set<MeteredPool>();
  private readonly names: string[] = [];
  private readonly registers: Registry[];
  private users = 0;

  /** The set for this registry and prefix, created (and registered) if it is not there yet. */
  static acquire(registry: Registry, prefix: string, buckets: readonly number[], instanceLabel: string): PoolMetricSet {
    let byPrefix = sets.get(registry);
    if (!byPrefix) sets.set(registry, (byPrefix = new Map()));
    let set = byPrefix.get(prefix);
    if (set && set.instanceLabel !== instanceLabel) {
      throw new Error(
        `PoolMetricsModule: the ${prefix} metrics of this registry already label the instance ` +
          `"${set.instanceLabel}", not "${instanceLabel}"; give every PoolMetricsModule.forRoot() sharing them the same ` +
          `instanceLabel, or another prefix`,
      );
    }
    if (!set) byPrefix.set(prefix, (set = new PoolMetricSet(registry, prefix, buckets, instanceLabel)));
    set.users++;
    return set;
  }

  private constructor(
    private readonly registry: Registry,
    private readonly prefix: string,
    buckets: readonly number[],
    /** The name of the label that names the app instance, on every metric. */
    readonly instanceLabel: string,
  ) {
    this.registers = [registry];
    for (const suffix of SUFFIXES) {
      const taken = `${prefix}${suffix}`;
      if (registry.getSingleMetric(taken)) {
        throw new Error(
          `PoolMetricsModule: the registry already has a metric named ${taken} that it did not register; ` +
            `give PoolMetricsModule.forRoot() another prefix`,
        );
      }
    }
    this.gauge('workers', 'Worker threads of the pool, by state: busy (running a job), idle, starting (booting).', {
      state: true,
      read: ({ pool }, labels, set) => {
        const { busy, idle, starting } = pool.status();
        set({ ...labels, state: 'busy' }, busy);
        set({ ...labels, state: 'idle' }, idle);
        set({ ...labels, state: 'starting' }, starting);
      },
    });
    this.gauge('pool_size', 'Worker threads the pool keeps (its configured size).', {
      read: ({ pool }, labels, set) => set(labels, pool.status().size),
    });
    this.gauge('queue_depth', 'Jobs waiting for a worker.', {
      read: ({ pool }, labels, set) => set(labels, pool.status().queued),
    });
    this.gauge('utilization_ratio', "Share of the workers' time spent running jobs since the pool started, 0 to 1.", {
      read: ({ pool }, labels, set) => set(labels, pool.stats().utilization),
    });
    this.gauge(
      'queue_jobs',
      "Jobs in the queue a pool shares with other instances (BullMQ), every instance's, as this instance last " +
        'read them from Redis: waiting, active (running on some instance), delayed, failed.',
      {
        state: true,
        read: ({ pool }, labels, set) => {
          const queue = pool.stats().queue;
          // Never read (Redis unreachable since the start): zeros would be made up.
          if (!queue || queue.readAt === 0) return;
          for (const state of QUEUE_STATES) set({ ...labels, state }, queue[state]);
        },
      },
    );
    this.gauge('queue_reachable', "1 while this instance's connections to the shared queue's Redis are up, else 0.", {
      read: ({ pool }, labels, set) => {
        const queue = pool.stats().queue;
        if (queue) set(labels, queue.reachable ? 1 : 0);
      },
    });
    this.workerCounter(
      'worker_respawns_total',
      'Workers started to replace one that panicked or was terminated.',
      'respawns',
    );
    this.workerCounter(
      'worker_recycles_total',
      'Workers replaced by recycling (recycleAfterJobs, recycleAboveHeapMb).',
      'recycled',
    );
    this.jobs = new Counter({
      name: this.named('jobs_total'),
      help: 'Jobs that ended, by outcome: completed, failed, panicked, cancelled, refused (on submission).',
      labelNames: ['pool', instanceLabel, 'job', 'outcome'],
      registers: this.registers,
    });
    this.waitSeconds = new Histogram({
      name: this.named('job_wait_seconds'),
      help: 'Time jobs waited in the queue before they started, in seconds.',
      labelNames: ['pool', instanceLabel, 'job'],
      buckets: [...buckets],
      registers: this.registers,
    });
    this.runSeconds = new Histogram({
      name: this.named('job_run_seconds'),
      help: 'Time jobs ran on a worker, from start to result or error, in seconds.',
      labelNames: ['pool', instanceLabel, 'job'],
      buckets: [...buckets],
      registers: this.registers,
    });
  }

  /** The `pool` and instance labels of a pool. */
  labelsOf(metered: MeteredPool): LabelValues<string> {
    metered.instance ??= metered.pool.instance;
    return { pool: metered.label, [this.instanceLabel]: metered.instance ?? FALLBACK_INSTANCE };
  }

  /** Reports a pool's metrics from now on. */
  add(metered: MeteredPool): void {
    this.pools.add(metered);
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

  /** The pools to read at a collect, with their labels: those whose instance is known (they have started). */
  private *started(): Generator<[MeteredPool, LabelValues<string>]> {
    for (const metered of this.pools) {
      const labels = this.labelsOf(metered);
      if (metered.instance !== undefined) yield [metered, labels];
    }
  }

  private named(suffix: Suffix): string {
    this.names.push(`${this.prefix}${suffix}`);
    return `${this.prefix}${suffix}`;
  }

  private gauge(
    suffix: Suffix,
    help: string,
    spec: {
      readonly state?: boolean;
      readonly read: (
        metered: MeteredPool,
        labels: LabelValues<string>,
        set: (labels: LabelValues<string>, value: number) => void,
      ) => void;
    },
  ): void {
    const started = (): Generator<[MeteredPool, LabelValues<string>]> => this.started();
    new Gauge({
      name: this.named(suffix),
      help,
      labelNames: ['pool', this.instanceLabel, ...(spec.state ? ['state'] : [])],
      registers: this.registers,
      collect() {
        this.reset();
        for (const [metered, labels] of started()) spec.read(metered, labels, (l, value) => this.set(l, value));
      },
    });
  }

  /** A counter of worker replacements, read from `status()` at each collect (it starts at 0 for every pool). */
  private workerCounter(suffix: Suffix, help: string, key: 'respawns' | 'recycled'): void {
    const started = (): Generator<[MeteredPool, LabelValues<string>]> => this.started();
    new Counter({
      name: this.named(suffix),
      help,
      labelNames: ['pool', this.instanceLabel],
      registers: this.registers,
      collect() {
        for (const [metered, labels] of started()) {
          const count = metered.pool.status()[key];
          this.inc(labels, Math.max(0, count - metered[key]));
          metered[key] = Math.max(metered[key], count);
        }
      },
    });
  }
}
