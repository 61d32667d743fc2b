// nestjs-poolio/metrics: Prometheus metrics for the pools. Needs the optional peer prom-client.
export { PoolMetricsCollector } from './pool-metrics.collector';
export { PoolMetricsModule } from './pool-metrics.module';
export type { PoolMetricsOptions } from './pool-metrics.options';
export type { JobOutcome } from './pool-metrics.registry';
