import type { Registry } from 'prom-client';

/** Options of `PoolMetricsModule.forRoot()`. */
export interface PoolMetricsOptions {
  /** Put before every metric's name. Default `'poolio_'`. */
  readonly prefix?: string;
  /** The registry the metrics go in. Default: prom-client's default registry (`register`), which `/metrics` shows. */
  readonly registry?: Registry;
  /**
   * Buckets of the wait-time and run-time histograms, in seconds. Default
   * `[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]`.
   */
  readonly buckets?: readonly number[];
  /**
   * The name of the label, on every metric, that names the app instance a pool runs in (`pool.instance`).
   * Default `'poolio_instance'`: Prometheus sets `instance` itself, to the scrape target, and renames an exported
   * `instance` to `exported_instance` unless the scrape job has `honor_labels: true`. Give `'instance'` with
   * `honor_labels: true` to have the app's own name replace the target's.
   */
  readonly instanceLabel?: string;
}

/** @internal The token of the options. */
export const POOL_METRICS_OPTIONS = 'nestjs-poolio:metrics-options';

/** @internal */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** @internal */
export const DEFAULT_INSTANCE_LABEL = 'poolio_instance';

/** Labels the metrics already have: the instance label cannot take one of their names. */
const TAKEN_LABELS = ['pool', 'job', 'outcome', 'state', 'le'];

/** @internal The instance label to use, or an error saying what is wrong with the one given. */
export function checkInstanceLabel(label: unknown): string {
  if (label === undefined) return DEFAULT_INSTANCE_LABEL;
  const problem =
    typeof label !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)
      ? 'is not a Prometheus label name (letters, digits and _, not starting with a digit)'
      : label.startsWith('__')
        ? 'starts with __, which Prometheus keeps for itself'
        : TAKEN_LABELS.includes(label)
          ? `is already a label of the pool metrics (${TAKEN_LABELS.join(', ')})`
          : undefined;
  if (!problem) return label as string;
  throw new Error(
    `PoolMetricsModule: instanceLabel ${JSON.stringify(label)} ${problem}; ` +
      `give another, or leave it out for '${DEFAULT_INSTANCE_LABEL}'`,
  );
}
