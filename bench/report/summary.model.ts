import { median } from '../stats/stats.util';
import type { Metric } from '../workloads/workload.types';

/** A metric with its medians and "ours ÷ peer" ratios. */
export interface MetricSummary extends Metric {
  readonly median: Record<string, number>;
  readonly min: Record<string, number>;
  readonly max: Record<string, number>;
  /** Ours ÷ each other pool, by the other pool's name; empty when ours did not run. */
  readonly ratios: Record<string, number>;
}

export function summarize(metrics: readonly Metric[], pools: readonly string[], ours: string): MetricSummary[] {
  return metrics.map((metric) => {
    const medians: Record<string, number> = {};
    const mins: Record<string, number> = {};
    const maxes: Record<string, number> = {};
    for (const pool of pools) {
      const samples = metric.samples[pool] ?? [];
      medians[pool] = median(samples);
      mins[pool] = samples.length > 0 ? Math.min(...samples) : Number.NaN;
      maxes[pool] = samples.length > 0 ? Math.max(...samples) : Number.NaN;
    }
    const ratios: Record<string, number> = {};
    if (pools.includes(ours)) {
      for (const pool of pools) if (pool !== ours) ratios[pool] = medians[ours] / medians[pool];
    }
    return { ...metric, median: medians, min: mins, max: maxes, ratios };
  });
}

/** How much better `pool` does than `reference` on a metric: above 1 is better, whichever way the metric runs. */
export function advantage(metric: MetricSummary, pool: string, reference: string): number {
  const value = metric.median[pool];
  const base = metric.median[reference];
  return metric.better === 'higher' ? value / base : base / value;
}
