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
}

/** @internal The token of the options. */
export const POOL_METRICS_OPTIONS = 'nestjs-poolio:metrics-options';

/** @internal */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];
