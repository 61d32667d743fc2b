import { ServiceUnavailableException, type INestApplicationContext } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { JobPanicError, PanicSwitch, Pool, PoolModule, type PoolOptions } from '../../lib';
import { PoolHealthIndicator, PoolHealthModule, whyPoolIsDown } from '../../lib/health';
import { BehaviourJobs } from '../fixtures/behaviour.jobs';
import { BehaviourModule } from '../fixtures/behaviour.module';
import { ReportsModule } from '../fixtures/reports.jobs';
import { settle } from '../fixtures/settle';

async function startHealthApp(options: PoolOptions, named = false): Promise<INestApplicationContext> {
  const pools = [PoolModule.forRoot(options)];
  if (named) pools.push(PoolModule.registerPool({ name: 'reports', size: 1 }));
  const moduleRef = await Test.createTestingModule({
    imports: [...pools, BehaviourModule, ...(named ? [ReportsModule] : []), TerminusModule, PoolHealthModule],
  }).compile();
  moduleRef.useLogger(false);
  return moduleRef.init();
}

describe('PoolHealthIndicator', () => {
  it('reports a running pool up, with its stats as details, and Terminus says ok', async () => {
    const app = await startHealthApp({ size: 1 });
    try {
      const pool = app.get(Pool);
      await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 1));
      const indicator = app.get(PoolHealthIndicator);

      expect(indicator.isHealthy()).toEqual({
        pool: { status: 'up', ...pool.stats(), uptimeMs: expect.any(Number), utilization: expect.any(Number) },
      });
      expect(indicator.isHealthy('workers')).toMatchObject({
        workers: { status: 'up', pool: null, state: 'running', size: 1, jobs: { completed: 1 } },
      });
      expect(indicator.isHealthy('workers').workers).not.toHaveProperty('message');

      const report = await app.get(HealthCheckService).check([() => indicator.isHealthy('pool')]);
      expect(report).toMatchObject({ status: 'ok', info: { pool: { status: 'up', state: 'running' } } });
    } finally {
      await app.close();
    }
  });

  it('reports the pool down once a job has panicked under PanicSwitch.Kill, and Terminus answers 503', async () => {
    const app = await startHealthApp({ size: 1, panicSwitch: PanicSwitch.Kill, onKill: () => {} });
    try {
      const crash = await settle(app.get(Pool).execute(BehaviourJobs, 'exitWorker', 3));
      expect(crash.error).toBeInstanceOf(JobPanicError);
      const indicator = app.get(PoolHealthIndicator);

      const result = indicator.isHealthy();
      expect(result.pool).toMatchObject({
        status: 'down',
        state: expect.stringMatching(/^kill(ing|ed)$/),
        jobs: { panicked: 1 },
        message: expect.stringMatching(/^the pool is kill(ing|ed): a job panicked under PanicSwitch.Kill$/),
      });

      const check = app.get(HealthCheckService).check([() => indicator.isHealthy()]);
      await expect(check).rejects.toBeInstanceOf(ServiceUnavailableException);
      await expect(check).rejects.toMatchObject({
        response: { status: 'error', error: { pool: { status: 'down' } } },
      });
    } finally {
      await app.close();
    }
  });

  it('reports the pool down once the app has closed', async () => {
    const app = await startHealthApp({ size: 1 });
    const indicator = app.get(PoolHealthIndicator);
    expect(indicator.isHealthy().pool.status).toBe('up');
    await app.close();

    expect(indicator.isHealthy().pool).toMatchObject({
      status: 'down',
      state: 'closed',
      message: 'the pool is closed',
    });
  });

  it('checks a named pool by name, and reports a pool that is not registered down', async () => {
    const app = await startHealthApp({ size: 1 }, true);
    try {
      const indicator = app.get(PoolHealthIndicator);
      expect(indicator.isHealthy('reports', 'reports')).toMatchObject({
        reports: { status: 'up', pool: 'reports', state: 'running' },
      });
      expect(indicator.isHealthy('pool')).toMatchObject({ pool: { status: 'up', pool: null } });
      expect(indicator.isHealthy('missing', 'nowhere')).toEqual({
        missing: {
          status: 'down',
          message: 'no pool named "nowhere" is registered (PoolModule.forRoot / PoolModule.registerPool)',
        },
      });
    } finally {
      await app.close();
    }
  });
});

describe('whyPoolIsDown', () => {
  const workers = (idle: number, busy: number, starting: number) => ({ idle, busy, starting });

  it('counts a pool up while it has a live worker, or while it is still starting', () => {
    expect(whyPoolIsDown({ state: 'running', workers: workers(1, 0, 0) })).toBeUndefined();
    expect(whyPoolIsDown({ state: 'running', workers: workers(0, 2, 1) })).toBeUndefined();
    expect(whyPoolIsDown({ state: 'starting', workers: workers(0, 0, 2) })).toBeUndefined();
  });

  it('counts a running pool without a live worker down, and a pool winding down', () => {
    expect(whyPoolIsDown({ state: 'running', workers: workers(0, 0, 1) })).toBe('no live worker: 1 worker(s) starting');
    expect(whyPoolIsDown({ state: 'running', workers: workers(0, 0, 0) })).toBe('no live worker');
    expect(whyPoolIsDown({ state: 'closing', workers: workers(1, 0, 0) })).toBe('the pool is closing');
    expect(whyPoolIsDown({ state: 'killed', workers: workers(0, 0, 0) })).toMatch(/^the pool is killed/);
  });
});
