import type { PoolEntry } from '../pools/pool.adapter';

export type WorkloadName = 'tiny' | 'cpu' | 'latency' | 'payload' | 'startup';

/** Which way is good for a metric. */
export type Better = 'higher' | 'lower';

/** One measured quantity: a sample per repeat for each pool. */
export interface Metric {
  /** Stable id for the JSON, e.g. `cpu.throughput.2`. */
  readonly id: string;
  readonly workload: WorkloadName;
  readonly label: string;
  readonly unit: string;
  readonly better: Better;
  /** For the chart: `throughput` metrics become bars, `efficiency` metrics become lines. */
  readonly chart?: 'throughput' | 'efficiency';
  /** False for metrics kept only for the chart and the JSON (e.g. efficiency at 1 worker, 100% by definition). */
  readonly inTable?: boolean;
  /** Worker count, for metrics measured at one pool size. */
  readonly workers?: number;
  /** Samples by pool name, one per repeat. */
  readonly samples: Record<string, number[]>;
}

/** What every workload gets from the runner. */
export interface WorkloadContext {
  readonly pools: readonly PoolEntry[];
  readonly repeats: number;
  readonly quick: boolean;
  /** The machine's available parallelism: the default pool size. */
  readonly cores: number;
  /** Iterations of the `spin` job that take a few milliseconds here (calibrated at start). */
  readonly spinIterations: number;
  log(line: string): void;
}

export interface Workload {
  readonly name: WorkloadName;
  readonly title: string;
  /** The workload's parameters for this run, for the report. */
  parameters(context: WorkloadContext): Record<string, number | string>;
  run(context: WorkloadContext): Promise<Metric[]>;
}

/** An empty metric with a sample list for each pool. */
export function newMetric(
  fields: Omit<Metric, 'samples'>,
  pools: readonly PoolEntry[],
): Metric & { samples: Record<string, number[]> } {
  return { ...fields, samples: Object.fromEntries(pools.map((pool) => [pool.name, []])) };
}
