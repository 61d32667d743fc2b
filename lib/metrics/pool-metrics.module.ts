import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PoolMetricsCollector } from './pool-metrics.collector';
import { POOL_METRICS_OPTIONS, type PoolMetricsOptions } from './pool-metrics.options';

/**
 * Prometheus metrics for every pool of the app, in prom-client's default registry unless told otherwise:
 * `PoolMetricsModule.forRoot()` in the root module, beside `PoolModule.forRoot()`.
 *
 * Gauges `<prefix>workers{pool,state}`, `<prefix>pool_size{pool}`, `<prefix>queue_depth{pool}`,
 * `<prefix>utilization_ratio{pool}`, and for a pool on a shared queue (BullMQ) `<prefix>queue_jobs{pool,state}` and
 * `<prefix>queue_reachable{pool}`; counters `<prefix>jobs_total{pool,job,outcome}`,
 * `<prefix>worker_respawns_total{pool}`, `<prefix>worker_recycles_total{pool}`; histograms
 * `<prefix>job_wait_seconds{pool,job}` and `<prefix>job_run_seconds{pool,job}`. The default pool is labelled
 * `pool="default"`; `job` is the job's label, e.g. `PrimesJobs.countPrimes` or `function fib`. Every metric also
 * names the app instance (`pool.instance`) in the label `instanceLabel`, `poolio_instance` by default.
 */
@Module({})
export class PoolMetricsModule {
  /**
   * Registers the metrics; `prefix` defaults to `poolio_`, `registry` to prom-client's `register`,
   * `instanceLabel` to `poolio_instance`.
   */
  static forRoot(options: PoolMetricsOptions = {}): DynamicModule {
    return {
      module: PoolMetricsModule,
      imports: [DiscoveryModule],
      providers: [{ provide: POOL_METRICS_OPTIONS, useValue: options ?? {} }, PoolMetricsCollector],
      exports: [PoolMetricsCollector],
    };
  }
}
