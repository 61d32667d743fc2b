import type { LabelValues } from 'prom-client';
import type { PoolEvent } from '../index';
import type { JobOutcome, MeteredPool, PoolMetricSet } from './pool-metrics.registry';

/**
 * @internal Turns one pool's `events$` into job counters and histograms. The events match `stats()`: each job
 * ends once, as done, failed, panicked, cancelled or refused.
 */
export class PoolEventRecorder {
  constructor(
    private readonly metrics: PoolMetricSet,
    private readonly pool: MeteredPool,
  ) {}

  record(event: PoolEvent): void {
    switch (event.type) {
      case 'job-started':
        this.metrics.waitSeconds.observe(this.labels(event.job), event.waitMs / 1000);
        return;
      case 'job-done':
        this.count(event.job, 'completed');
        this.metrics.runSeconds.observe(this.labels(event.job), event.runMs / 1000);
        return;
      case 'job-failed':
        this.count(event.job, 'failed');
        if (event.runMs !== undefined) {
          this.metrics.runSeconds.observe(this.labels(event.job), event.runMs / 1000);
        }
        return;
      case 'job-panicked':
        return this.count(event.job, 'panicked');
      case 'job-cancelled':
        return this.count(event.job, 'cancelled');
      case 'job-refused':
        return this.count(event.job, 'refused');
      default:
        return;
    }
  }

  private count(job: string, outcome: JobOutcome): void {
    this.metrics.jobs.inc({ ...this.labels(job), outcome });
  }

  private labels(job: string): LabelValues<string> {
    return { ...this.metrics.labelsOf(this.pool), job };
  }
}
