import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { getPoolToken, Pool, PoolConfigError, PoolModule, UnknownJobError } from '../lib';
import { ReportJobs, ReportsModule, StrayModule } from './fixtures/reports.jobs';
import { settle } from './fixtures/settle';

describe('named pools', () => {
  it('runs each job in the pool its @PoolJob names, each pool with its own workers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ size: 1 }), PoolModule.registerPool({ name: 'reports', size: 1 }), ReportsModule],
    }).compile();
    const app = await moduleRef.init();
    try {
      const main = app.get(Pool);
      const reports = app.get<Pool>(getPoolToken('reports'));
      expect(reports.name).toBe('reports');
      const rendered = await firstValueFrom(reports.execute(ReportJobs, 'render', 1));
      const previewed = await firstValueFrom(main.execute(ReportJobs, 'preview', 2));
      expect(rendered.id).toBe(1);
      expect(previewed.id).toBe(2);
      expect(rendered.threadId).not.toBe(previewed.threadId);

      const wrongPool = await settle(main.execute(ReportJobs, 'render', 3));
      expect(wrongPool.error).toBeInstanceOf(UnknownJobError);
      expect((wrongPool.error as Error).message).toBe(
        'ReportJobs.render runs in the pool "reports", not in default: execute it on that pool (@InjectPool("reports"))',
      );
      expect(reports.stats()).toMatchObject({ pool: 'reports', jobs: { completed: 1 } });
    } finally {
      await app.close();
    }
  });

  it('fails at boot when a job names a pool that is not registered', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ size: 1 }), StrayModule],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      new PoolConfigError('StrayJobs.wander runs in the pool "nowhere", which is not registered (registered: default)'),
    );
    await moduleRef.close();
  });

  it('fails at boot when a pool name is registered twice', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ size: 1 }),
        PoolModule.registerPool({ name: 'reports', size: 1 }),
        PoolModule.registerPool({ name: 'reports', size: 2 }),
        ReportsModule,
      ],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/The pool "reports" is registered 2 times; register each pool once/);
    await moduleRef.close();
  });

  it('needs a name for registerPool', () => {
    expect(() => PoolModule.registerPool({} as { name: string })).toThrow(
      new PoolConfigError('PoolModule.registerPool() needs a name: a non-empty string, got undefined'),
    );
  });
});
