import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { Pool, PoolModule, type PoolEvent } from '../lib';
import { BehaviourJobs } from './fixtures/behaviour.jobs';
import { BehaviourModule } from './fixtures/behaviour.module';
import { LoggingJobs, LoggingModule } from './fixtures/logging.jobs';
import { startPoolApp } from './fixtures/pool-app';
import { settle } from './fixtures/settle';
import { waitFor } from './fixtures/wait-for';

describe('pool.stats()', () => {
  it('counts what the pool did, with wait and run summaries and utilization', async () => {
    const { app, pool } = await startPoolApp({ size: 1, maxQueue: 1 }, [BehaviourModule]);
    try {
      await firstValueFrom(pool.execute(BehaviourJobs, 'hold', 50));
      await settle(pool.execute(BehaviourJobs, 'throwQuota', 1));
      const running = settle(pool.execute(BehaviourJobs, 'hold', 200));
      const queued = settle(pool.execute(BehaviourJobs, 'echo', 1)); // waits about 200 ms
      const refused = await settle(pool.execute(BehaviourJobs, 'echo', 2)); // the queue is full
      expect(refused.error).toBeDefined();
      await Promise.all([running, queued]);
      await settle(pool.execute(BehaviourJobs, 'exitWorker', 1));
      await waitFor(() => pool.status().idle === 1, 'the replacement worker');

      const stats = pool.stats();
      expect(stats).toMatchObject({
        pool: null,
        state: 'running',
        size: 1,
        workers: { busy: 0, idle: 1, starting: 0 },
        queued: 0,
        jobs: { completed: 3, failed: 1, panicked: 1, cancelled: 0, refused: 1 },
        respawns: 1,
      });
      expect(stats.runMs.count).toBe(4); // the panicked job has no run time
      expect(stats.runMs.max).toBeGreaterThanOrEqual(200);
      expect(stats.runMs.p50).toBeGreaterThan(0);
      expect(stats.waitMs.count).toBe(5);
      expect(stats.waitMs.max).toBeGreaterThan(0);
      expect(stats.utilization).toBeGreaterThan(0);
      expect(stats.utilization).toBeLessThanOrEqual(1);
    } finally {
      await app.close();
    }
  });
});

describe('pool.events$', () => {
  it('tells the lifecycle of jobs and workers, only to its subscribers', async () => {
    const { app, pool } = await startPoolApp({ size: 1 }, [BehaviourModule]);
    const events: PoolEvent[] = [];
    const subscription = pool.events$.subscribe((event) => events.push(event));
    try {
      await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 1));
      const hold = firstValueFrom(pool.execute(BehaviourJobs, 'hold', 100));
      await settle(pool.execute(BehaviourJobs, 'throwQuota', 2)); // queued behind `hold`
      await hold;
      await settle(pool.execute(BehaviourJobs, 'exitWorker', 1));
      await waitFor(() => events.some((e) => e.type === 'worker-up'), 'the replacement worker to come up');

      const summary = events.map((e) =>
        'job' in e ? `${e.type} ${e.job}` : `${e.type} ${'reason' in e ? e.reason : ''}`.trim(),
      );
      expect(summary).toEqual([
        'job-started BehaviourJobs.echo',
        'job-done BehaviourJobs.echo',
        'job-started BehaviourJobs.hold',
        'job-queued BehaviourJobs.throwQuota',
        // The worker goes on to its next job before the one it finished is told (a snapshot then is whole).
        'job-started BehaviourJobs.throwQuota',
        'job-done BehaviourJobs.hold',
        'job-failed BehaviourJobs.throwQuota',
        'job-started BehaviourJobs.exitWorker',
        'worker-down panic',
        'job-panicked BehaviourJobs.exitWorker',
        'worker-up',
      ]);
      const failed = events.find((e) => e.type === 'job-failed');
      expect(failed).toMatchObject({ error: 'QuotaError: quota of 2 exceeded' });
      const started = events.filter((e) => e.type === 'job-started');
      expect(started.every((e) => e.workerId > 0 && e.waitMs >= 0)).toBe(true);
    } finally {
      subscription.unsubscribe();
      await app.close();
    }
  });
});

describe('logging from jobs', () => {
  it('hands a Logger call made inside a job to the app’s logger, naming the worker and the job', async () => {
    const records: { level: string; message: unknown; context: unknown }[] = [];
    const collect =
      (level: string) =>
      (message: unknown, ...params: unknown[]): void => {
        records.push({ level, message, context: params[params.length - 1] });
      };
    const appLogger: LoggerService = {
      log: collect('log'),
      warn: collect('warn'),
      error: collect('error'),
      debug: collect('debug'),
      verbose: collect('verbose'),
      fatal: collect('fatal'),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ size: 1 }), LoggingModule],
    }).compile();
    moduleRef.useLogger(appLogger);
    const app = await moduleRef.init();
    try {
      await firstValueFrom(app.get(Pool).execute(LoggingJobs, 'work', 'invoice 7'));
      await waitFor(() => records.some((r) => r.level === 'warn'), 'the warning to arrive');
      const fromJob = records.filter((r) => String(r.context).startsWith('LoggingJobs @ worker'));
      expect(fromJob).toEqual([
        {
          level: 'log',
          message: 'working on invoice 7',
          context: expect.stringMatching(/^LoggingJobs @ worker \d+ · LoggingJobs.work$/),
        },
        {
          level: 'warn',
          message: expect.stringContaining("item: 'invoice 7'"),
          context: expect.stringMatching(/· LoggingJobs.work$/),
        },
      ]);
      // Nest's own start-up lines from the workers are not forwarded.
      expect(
        records.filter((r) => String(r.context).includes('@ worker') && String(r.context).startsWith('InstanceLoader')),
      ).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
