import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gauge, register, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import { getPoolToken, Pool, PoolModule, PoolQueueFullError, type PoolOptions } from '../../lib';
import { bullmqTransport, type BullmqTransportOptions } from '../../lib/bullmq';
import { PoolMetricsCollector, PoolMetricsModule, type PoolMetricsOptions } from '../../lib/metrics';
import { BehaviourJobs } from '../fixtures/behaviour.jobs';
import { BehaviourModule } from '../fixtures/behaviour.module';
import { startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { RemoteJobs, RemoteJobsModule } from '../fixtures/remote.jobs';
import { ReportJobs, ReportsModule } from '../fixtures/reports.jobs';
import { settle, type Outcome } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';

/** The instance every local pool of this process names: its transport's `<hostname>:<pid>`. */
const here = `${hostname()}:${process.pid}`;

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

/** Why an app with these metrics options fails to start; its pool, already started, is closed again. */
async function failureToStart(metrics: PoolMetricsOptions): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({
    imports: [PoolModule.forRoot({ size: 1 }), BehaviourModule, PoolMetricsModule.forRoot(metrics)],
  }).compile();
  moduleRef.useLogger(false);
  try {
    await moduleRef.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await moduleRef.close();
  }
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

      const echo = { pool: 'default', poolio_instance: here, job: 'BehaviourJobs.echo' };
      expect(await valueOf('poolio_jobs_total', { ...echo, outcome: 'completed' })).toBe(3);
      expect(
        await valueOf('poolio_jobs_total', {
          pool: 'default',
          poolio_instance: here,
          job: 'BehaviourJobs.throwQuota',
          outcome: 'failed',
        }),
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
          expect.objectContaining({
            labels: { pool: 'default', poolio_instance: here, job: 'BehaviourJobs.throwQuota' },
            value: 1,
          }),
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
      expect(await valueOf('poolio_workers', { pool: 'default', poolio_instance: here, state: 'idle' })).toBe(1);
      expect(await valueOf('poolio_workers', { pool: 'default', poolio_instance: here, state: 'busy' })).toBe(0);
      expect(await valueOf('poolio_pool_size', { pool: 'default', poolio_instance: here })).toBe(1);
      expect(await valueOf('poolio_queue_depth', { pool: 'default', poolio_instance: here })).toBe(0);
      expect(await valueOf('poolio_worker_respawns_total', { pool: 'default', poolio_instance: here })).toBe(0);
      const utilization = await valueOf('poolio_utilization_ratio', { pool: 'default', poolio_instance: here });
      expect(utilization).toBeGreaterThan(0);
      expect(utilization).toBeLessThanOrEqual(1);

      const text = await register.getSingleMetricAsString('poolio_jobs_total');
      expect(text).toContain('# TYPE poolio_jobs_total counter');
      expect(text).toContain(
        `poolio_jobs_total{pool="default",poolio_instance="${here}",job="BehaviourJobs.echo",outcome="completed"} 3`,
      );
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
        await valueOf('poolio_jobs_total', {
          pool: 'reports',
          poolio_instance: here,
          job: 'ReportJobs.render',
          outcome: 'completed',
        }),
      ).toBe(1);
      expect(
        await valueOf('poolio_jobs_total', {
          pool: 'default',
          poolio_instance: here,
          job: 'ReportJobs.preview',
          outcome: 'completed',
        }),
      ).toBe(1);
      expect(await valueOf('poolio_pool_size', { pool: 'reports', poolio_instance: here })).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('labels every series of every metric with the instance its pool runs in (pool.instance)', async () => {
    const app = await startMetricsApp({ size: 1 }, {}, [PoolModule.registerPool({ name: 'reports', size: 1 })]);
    try {
      const pool = app.get(Pool);
      expect(pool.instance).toBe(here);
      expect(app.get<Pool>(getPoolToken('reports')).instance).toBe(here);
      await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 1));
      await pool.join();

      const ours = ((await register.getMetricsAsJSON()) as MetricObjectWithValues<Sample>[]).filter((m) =>
        m.name.startsWith('poolio_'),
      );
      const series = ours.flatMap((m) => m.values.map((v) => ({ metric: m.name, labels: v.labels })));
      expect(series.length).toBeGreaterThan(0);
      for (const { metric, labels } of series) {
        expect({ metric, instance: labels.poolio_instance }).toEqual({ metric, instance: here });
      }
      // Every metric but the shared queue's has series (of both pools); a local pool has no shared queue.
      const reported = new Set(series.map((s) => s.metric));
      expect(ours.map((m) => m.name).filter((name) => !reported.has(name))).toEqual([
        'poolio_queue_jobs',
        'poolio_queue_reachable',
      ]);
      expect(new Set(series.filter((s) => s.metric === 'poolio_pool_size').map((s) => s.labels.pool))).toEqual(
        new Set(['default', 'reports']),
      );
    } finally {
      await app.close();
    }
  });

  it('names the instance label as told (instanceLabel), and refuses a name Prometheus or the metrics would clash with', async () => {
    const registry = new Registry();
    const app = await startMetricsApp({ size: 1 }, { registry, instanceLabel: 'instance' });
    try {
      await firstValueFrom(app.get(Pool).execute(BehaviourJobs, 'echo', 1));
      const echo = { pool: 'default', job: 'BehaviourJobs.echo', outcome: 'completed' };
      expect(await valueOf('poolio_jobs_total', { ...echo, instance: here }, registry)).toBe(1);
      expect(await valueOf('poolio_pool_size', { pool: 'default', instance: here }, registry)).toBe(1);

      // A second app sharing these metrics must label the instance alike: one metric has one set of labels.
      expect(await failureToStart({ registry })).toHaveProperty(
        'message',
        'PoolMetricsModule: the poolio_ metrics of this registry already label the instance "instance", not ' +
          '"poolio_instance"; give every PoolMetricsModule.forRoot() sharing them the same instanceLabel, or another prefix',
      );
    } finally {
      await app.close();
    }
    for (const [label, problem] of [
      ['pool', 'is already a label of the pool metrics (pool, job, outcome, state, le)'],
      ['__instance', 'starts with __, which Prometheus keeps for itself'],
      ['app-instance', 'is not a Prometheus label name (letters, digits and _, not starting with a digit)'],
    ]) {
      expect(await failureToStart({ registry, instanceLabel: label })).toHaveProperty(
        'message',
        `PoolMetricsModule: instanceLabel "${label}" ${problem}; give another, or leave it out for 'poolio_instance'`,
      );
    }
    expect(await registry.getMetricsAsJSON()).toEqual([]);
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

      const hold = { pool: 'default', poolio_instance: here, job: 'BehaviourJobs.hold' };
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'completed' })).toBe(accepted.length);
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'refused' })).toBe(1);
      expect(await valueOf('poolio_jobs_total', { ...hold, outcome: 'failed' })).toBeUndefined();
      expect(
        await valueOf('poolio_jobs_total', {
          pool: 'default',
          poolio_instance: here,
          job: 'BehaviourJobs.exitWorker',
          outcome: 'panicked',
        }),
      ).toBe(1);
      expect(await valueOf('poolio_worker_respawns_total', { pool: 'default', poolio_instance: here })).toBe(1);
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
      const echo = { pool: 'default', poolio_instance: here, job: 'BehaviourJobs.echo', outcome: 'completed' };
      expect(await valueOf('poolio_jobs_total', echo)).toBe(2);

      await first.close();
      expect(register.getSingleMetric('poolio_jobs_total')).toBeDefined();
      await firstValueFrom(second.get(Pool).execute(BehaviourJobs, 'echo', 3));
      expect(await valueOf('poolio_jobs_total', echo)).toBe(3);
      expect(await valueOf('poolio_pool_size', { pool: 'default', poolio_instance: here })).toBe(1);

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
          { pool: 'default', poolio_instance: here, job: 'BehaviourJobs.echo', outcome: 'completed' },
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

describe('PoolMetricsModule with pools on a shared BullMQ queue', () => {
  let redis: RedisServer;
  let dir: string;
  const apps: INestApplicationContext[] = [];

  /** One app instance: its pool `remote` goes through BullMQ (like test/bullmq's), beside the metrics module. */
  async function startRemoteMetricsApp(
    transport: Omit<BullmqTransportOptions, 'connection'>,
    registry: Registry,
  ): Promise<Pool> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.registerPool({
          name: 'remote',
          size: 1,
          shutdownTimeout: 5_000,
          transport: bullmqTransport({ connection: { host: redis.host, port: redis.port }, ...transport }),
        }),
        RemoteJobsModule,
        PoolMetricsModule.forRoot({ registry }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    const app = await moduleRef.init();
    apps.push(app);
    return app.get<Pool>(getPoolToken('remote'));
  }

  async function closeApps(): Promise<void> {
    for (const app of apps.splice(0).reverse()) await app.close();
  }

  /** `<prefix>queue_jobs` of one instance's pool, by state. */
  async function queueJobs(labels: Record<string, string>, registry: Registry): Promise<Record<string, number>> {
    const byState: Record<string, number> = {};
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      const value = await valueOf('poolio_queue_jobs', { ...labels, state }, registry);
      if (value !== undefined) byState[state] = value;
    }
    return byState;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'poolio-metrics-'));
  });

  afterAll(async () => {
    await closeApps();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the shared queue's jobs by state, as each instance reads them, under that instance's label", async () => {
    const registry = new Registry();
    try {
      const producer = await startRemoteMetricsApp({ instance: 'api-1', consume: false }, registry);
      expect(producer.instance).toBe('api-1');
      const release = join(dir, 'release');
      const outcome = settle(producer.execute(RemoteJobs, 'hold', release, 7));
      await waitFor(() => producer.stats().queue?.waiting === 1, 'the job to wait in the queue');

      const api = { pool: 'remote', poolio_instance: 'api-1' };
      expect(await queueJobs(api, registry)).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0 });
      expect(await valueOf('poolio_queue_reachable', api, registry)).toBe(1);

      // A consumer takes the job: both instances see it running; the consumer's own thread is busy with it.
      const consumer = await startRemoteMetricsApp({ instance: 'worker-1' }, registry);
      const worker = { pool: 'remote', poolio_instance: 'worker-1' };
      await waitFor(
        () =>
          producer.stats().queue?.active === 1 && consumer.stats().queue?.active === 1 && consumer.status().busy === 1,
        'the job to run on the consumer',
      );
      expect(await queueJobs(api, registry)).toEqual({ waiting: 0, active: 1, delayed: 0, failed: 0 });
      expect(await queueJobs(worker, registry)).toEqual({ waiting: 0, active: 1, delayed: 0, failed: 0 });
      expect(await valueOf('poolio_workers', { ...worker, state: 'busy' }, registry)).toBe(1);
      expect(await valueOf('poolio_queue_reachable', worker, registry)).toBe(1);

      writeFileSync(release, '');
      expect(await outcome).toEqual({ values: [{ tag: 7, instance: String(process.pid) }], completed: true });
      await waitFor(
        () => producer.stats().queue?.active === 0 && consumer.stats().queue?.active === 0,
        'the queue to be empty as both instances read it',
      );
      expect(await queueJobs(api, registry)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      expect(await queueJobs(worker, registry)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      // Counted by the instance that ran it, not by the one that submitted it.
      const held = { job: 'RemoteJobs.hold', outcome: 'completed' };
      expect(await valueOf('poolio_jobs_total', { ...worker, ...held }, registry)).toBe(1);
      expect(await valueOf('poolio_jobs_total', { ...api, ...held }, registry)).toBeUndefined();
    } finally {
      await closeApps();
    }
  });

  it('reports queue_reachable 0 while Redis is gone, and 1 once it is back', async () => {
    const registry = new Registry();
    const first = redis;
    try {
      const pool = await startRemoteMetricsApp({ instance: 'api-2', consume: false }, registry);
      const api = { pool: 'remote', poolio_instance: 'api-2' };
      expect(await valueOf('poolio_queue_reachable', api, registry)).toBe(1);

      first.process.kill('SIGKILL');
      await waitFor(() => pool.stats().queue?.reachable === false, 'the pool to notice Redis is gone');
      expect(await valueOf('poolio_queue_reachable', api, registry)).toBe(0);
      // The counts stay as last read (and say so by their readAt), rather than disappear.
      expect(await queueJobs(api, registry)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });

      redis = await startRedisServer(first.port);
      await waitFor(() => pool.stats().queue?.reachable === true, 'the pool to reach Redis again');
      expect(await valueOf('poolio_queue_reachable', api, registry)).toBe(1);
    } finally {
      await closeApps();
      if (redis !== first) await first.stop();
    }
  });
});
