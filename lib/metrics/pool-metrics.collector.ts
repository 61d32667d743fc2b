import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { register } from 'prom-client';
import type { Subscription } from 'rxjs';
import { Pool } from '../index';
import {
  checkInstanceLabel,
  DEFAULT_BUCKETS,
  POOL_METRICS_OPTIONS,
  type PoolMetricsOptions,
} from './pool-metrics.options';
import { PoolEventRecorder } from './pool-metrics.recorder';
import { PoolMetricSet, type MeteredPool } from './pool-metrics.registry';

/**
 * Reports every pool of the app to Prometheus. Provided by `PoolMetricsModule`: it finds the pools when the module
 * initializes, follows their `events$` for the job counters and histograms, reads their `status()` and `stats()`
 * for the gauges when the registry is collected, and lets go of them when the module is destroyed. Every metric
 * names the app instance (`pool.instance`) in the label `instanceLabel`, `poolio_instance` by default.
 */
@Injectable()
export class PoolMetricsCollector implements OnModuleInit, OnModuleDestroy {
  private metrics: PoolMetricSet | undefined;
  private readonly metered: MeteredPool[] = [];
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(POOL_METRICS_OPTIONS) private readonly options: PoolMetricsOptions,
  ) {}

  /** The pools reported, by their `pool` label (`default` for the default pool). */
  get pools(): ReadonlyMap<string, Pool> {
    return new Map(this.metered.map(({ label, pool }) => [label, pool]));
  }

  /** @internal */
  onModuleInit(): void {
    const metrics = PoolMetricSet.acquire(
      this.options.registry ?? register,
      this.options.prefix ?? 'poolio_',
      this.options.buckets ?? DEFAULT_BUCKETS,
      checkInstanceLabel(this.options.instanceLabel),
    );
    this.metrics = metrics;
    for (const pool of this.findPools()) {
      // Pool modules are global, so Nest has started their pools before this module and they know their instance;
      // a pool that has not (yet) is labelled once it has, and is left out of the gauges until then.
      const metered: MeteredPool = {
        pool,
        label: pool.name ?? 'default',
        instance: pool.instance,
        respawns: 0,
        recycled: 0,
      };
      const recorder = new PoolEventRecorder(metrics, metered);
      this.subscriptions.push(pool.events$.subscribe((event) => recorder.record(event)));
      metrics.add(metered);
      this.metered.push(metered);
    }
  }

  /** @internal */
  onModuleDestroy(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    for (const metered of this.metered.splice(0)) this.metrics?.delete(metered);
    this.metrics?.release();
    this.metrics = undefined;
  }

  private findPools(): Pool[] {
    const pools = new Set<Pool>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Pool) pools.add(instance);
    }
    return [...pools];
  }
}
