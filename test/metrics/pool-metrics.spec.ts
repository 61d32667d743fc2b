import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Gauge, register, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import { getPoolToken, Pool, PoolModule, PoolQueueFullError, type PoolOptions } from '../../lib';
import { PoolMetricsCollector, PoolMetricsModule, type PoolMetricsOptions } from '../../lib/metrics';
import { BehaviourJobs } from '../fixtures/behaviour.jobs';
import { BehaviourModule } from '../fixtures/behaviour.module';
import { ReportJobs, ReportsModule } from '../fixtures/reports.jobs';
import { settle, type Outcome } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';

async function startMetricsApp(
  options: PoolOptions,
  metrics: PoolMetricsOptions = {},
  extra: (Type | DynamicModule)[] = [],
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [PoolModule.forRoot(options), BehaviourModule, ...extra, PoolMetricsModule.forRoot(metrics)],
  }).compile();
  moduleRef.useLogger(false);
  return moduleRef.init();
}

/** A sample: a histogram's samples name their series (`_count`, `_sum`, `_bucket`). */
type Sample = MetricValue<string> & { readonly metricName?: string };

/** The values of one metric (a histogram's `_count`, `_sum` and `_bucket` samples included), from the JSON export. */
async function valuesOf(name: string, registry: Registry = register): Promise<Sample[]> {
  const metrics = (await registry.getMetricsAsJSON()) as MetricObjectWithValues<Sample>[];
  const metric = metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name} in the registry`);
  return metric.values;
}

async function valueOf(name: string, labels: Record<string, string>, registry?: Registry): Promise<number | undefined> {
  const values = await valuesOf(name, registry);
  const wanted = (value: Sample): boolean =>
    Object.entries(labels).every(([key, label]) => value.labels[key] === label) &&
    Object.keys(value.labels).length === Object.keys(labels).length;
  return values.find(wanted)?.value;
}

describe('PoolMetricsModule', () => {
  it('counts jobs by pool, job and outcome, and times them in seconds', async () => {
    const app = await startMetricsApp({ size: 1 });
    try {
      const pool = app.get(Pool);
      for (const value of [1, 2, 3]) await firstValueFrom(pool.execute(BehaviourJobs, 'echo', value));
      expect((await settle(pool.execute(BehaviourJobs, 'throwQuota', 5))).error).toMatchObject({ name: 'QuotaError' });

      const echo = { pool: 'default', job: 'BehaviourJobs.echo' };
      expect(await valueOf('poolio_jobs_total', { ...echo, outcome: 'completed' })).toBe(3);
      expect(
        await valueOf('poolio_jobs_total', { pool: 'default', job: 'BehaviourJobs.throwQuota', outcome: 'failed' }),
      ).toBe(1);
      const runs = await valuesOf('poolio_job_run_seconds');
      const runCount = runs.find(
        (v) => v.metricName === 'poolio_job_run_seconds_count' && v.labels.job === 'BehaviourJobs.echo',
      );
      expect(runCount).toMatchObject({ labels: echo, value: 3 });
      const waitCount = (await valuesOf('poolio_job_wait_seconds')).filter(
        (v) => v.metricName === 'poolio_job_wait_seconds_count',
      );
      expect(waitCount).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ labels: echo, value: 3 }),
          expect.objectContaining({ labels: { pool: 'default', job: 'BehaviourJobs.throwQuota' }, value: 1 }),
        ]),
      );
      // The same run times as stats(), in seconds: the sums over both jobs make up its total.
      const runSeconds = runs
        .filter((v) => v.metricName === 'poolio_job_run_seconds_sum')
        .reduce((sum, v) => sum + v.value, 0);
      const { count, mean } = pool.stats().runMs;
      expect(count).toBe(4);
      expect(runSeconds * 1000).toBeCloseTo(mean * count, 6);

      await pool.join();
      expect(await valueOf('poolio_workers', { pool: 'default', state: 'idle' })).toBe(1);
      expect(await valueOf('poolio_workers', { pool: 'default', state: 'busy' })).toBe(0);
      expect(await valueOf('poolio_pool_size', { pool: 'default' })).toBe(1);
      expect(await valueOf('poolio_queue_depth', { pool: 'default' })).toBe(0);
      expect(await valueOf('poolio_worker_respawns_total', { pool: 'default' })).toBe(0);
      const utilization = await valueOf('poolio_utilization_ratio', { pool: 'default' });
      expect(utilization).toBeGreaterThan(0);
      expect(utilization).toBeLessThanOrEqual(1);

      const text = await register.getSingleMetricAsString('poolio_jobs_total');
      expect(text).toContain('# TYPE poolio_jobs_total counter');
      expect(text).toContain('poolio_jobs_total{pool="default",job="BehaviourJobs.echo",outcome="completed"} 3');
    } finally {
      await app.close();
    }
  });

  it('labels named pools by name, and finds every pool of the app', async () => {
    const app = await startMetricsApp({ size: 1 }, {}, [
      PoolModule.registerPool({ name: 'reports', size: 1 }),
      ReportsModule,
    ]);
    try {
      const reports = app.get<Pool>(getPoolToken('reports'));
      await firstValueFrom(reports.execute(ReportJobs, 'render', 1));
      await firstValueFrom(app.get(Pool).execute(ReportJobs, 'preview', 2));

      expect([...app.get(PoolMetricsCollector).pools.keys()].sort()).toEqual(['default', 'reports']);
      expect(
        await valueOf('poolio_jobs_total', { pool: 'reports', job: 'ReportJobs.render', outcome: 'completed' }),
      ).toBe(1);
      expect(
        await valueOf('poolio_jobs_total', { pool: 'default', job: 'ReportJobs.preview', outcome: 'completed' }),
      ).toBe(1);
      expect(await valueOf('poolio_pool_size', { pool: 'reports' })).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('counts refusals (maxQueue), panics and respawns as the pool does in stats()', async () => {
    const app = await startMetricsApp({ size: 1, maxQueue: 1 });
    try {
      const pool = app.get(Pool);
      await pool.join();
      // Submitted in one go: the first takes the idle worker, the next ones wait (queued, or held by the busy
      // worker to start next) until the queue is full and one is refused.
      const accepted: Promise<Outcome<unknown>>[] = [];
      let refused: Outcome<unknown> | undefined;
      for (let i = 0; i < 8 && !refused; i++) {
        const outcome = settle(pool.execute(BehaviourJobs, 'hold', i === 0 ? 50 : 1));
        const settled = await Promise.race([outcome, Promise.resolve(undefined)]);
        if (settled?.error) refused = settled;
        else accepted.push(outcome);
      }
      expect(refused?.error).toBeInstanceOf(PoolQueueFullError);
      for (const outcome of await Promise.all(accepted)) expect(outcome.completed).toBe(true);
      expect(await settle(pool.execute(BehaviourJobs, 'exitWorker', 3))).toMatchObject({ completed: false });
      await waitFor(() => pool.status().idle === 1, 'the replacement worker');

      const hold = { pool: 'default', job: 'BehaviourJobs.hold' };
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'completed' })).toBe(accepted.length);
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'refused' })).toBe(1);
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'failed' })).toBeUndefined();
      expect(
        await valueOf('poolio_jobs_total', { pool: 'default', job: 'BehaviourJobs.exitWorker', outcome: 'panicked' }),
      ).toBe(1);
      expect(await valueOf('poolio_worker_respawns_total', { pool: 'default' })).toBe(1);
      expect(pool.stats().jobs).toMatchObject({ completed: accepted.length, refused: 1, failed: 0, panicked: 1 });
      expect(pool.stats().respawns).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('lets two apps share the metrics, and removes them from the registry when the last one closes', async () => {
    const first = await startMetricsApp({ size: 1 });
    let second: INestApplicationContext | undefined;
    try {
      second = await startMetricsApp({ size: 1 });
      await firstValueFrom(first.get(Pool).execute(BehaviourJobs, 'echo', 1));
      await firstValueFrom(second.get(Pool).execute(BehaviourJobs, 'echo', 2));
      const echo = { pool: 'default', job: 'BehaviourJobs.echo', outcome: 'completed' };
      expect(await valueOf('poolio_jobs_total', echo)).toBe(2);

      await first.close();
      expect(register.getSingleMetric('poolio_jobs_total')).toBeDefined();
      await firstValueFrom(second.get(Pool).execute(BehaviourJobs, 'echo', 3));
      expect(await valueOf('poolio_jobs_total', echo)).toBe(3);
      expect(await valueOf('poolio_pool_size', { pool: 'default' })).toBe(1);

      await second.close();
      second = undefined;
      expect(register.getSingleMetric('poolio_jobs_total')).toBeUndefined();
      expect(register.getSingleMetric('poolio_workers')).toBeUndefined();

      const third = await startMetricsApp({ size: 1 });
      await third.close();
    } finally {
      await first.close();
      await second?.close();
    }
  });

  it('takes a prefix and a registry of its own', async () => {
    const registry = new Registry();
    const app = await startMetricsApp({ size: 1 }, { prefix: 'jobs_pool_', registry, buckets: [0.5, 1] });
    try {
      await firstValueFrom(app.get(Pool).execute(BehaviourJobs, 'echo', 1));
      expect(register.getSingleMetric('jobs_pool_jobs_total')).toBeUndefined();
      expect(register.getSingleMetric('poolio_jobs_total')).toBeUndefined();
      expect(
        await valueOf(
          'jobs_pool_jobs_total',
          { pool: 'default', job: 'BehaviourJobs.echo', outcome: 'completed' },
          registry,
        ),
      ).toBe(1);
      const buckets = (await valuesOf('jobs_pool_job_run_seconds', registry))
        .filter((v) => v.metricName === 'jobs_pool_job_run_seconds_bucket')
        .map((v) => v.labels.le);
      expect(buckets).toEqual([0.5, 1, '+Inf']);
    } finally {
      await app.close();
    }
  });

  it('refuses to take over a metric it did not register, and registers nothing then', async () => {
    const registry = new Registry();
    new Gauge({ name: 'taken_jobs_total', help: 'not ours', registers: [registry] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ size: 1 }),
        BehaviourModule,
        PoolMetricsModule.forRoot({ prefix: 'taken_', registry }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await expect(moduleRef.init()).rejects.toThrow(
      'PoolMetricsModule: the registry already has a metric named taken_jobs_total that it did not register; ' +
        'give PoolMetricsModule.forRoot() another prefix',
    );
    await moduleRef.close();
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toEqual(['taken_jobs_total']);
  });
});
