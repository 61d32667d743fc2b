import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import {
  getPoolToken,
  InjectPool,
  PanicSwitch,
  Pool,
  PoolConfigError,
  PoolModule,
  WorkerBootError,
  type PoolOptions,
} from '../lib';
import { BehaviourModule } from './fixtures/behaviour.module';
import { BrokenModule } from './fixtures/broken.jobs';
import {
  GreeterController,
  GreeterJobs,
  GreeterModule,
  GreeterWithApiModule,
  PoolConfig,
  PoolConfigModule,
} from './fixtures/config.jobs';
import { RootWithJobsModule } from './fixtures/root-with-jobs.module';
import { startPoolApp } from './fixtures/pool-app';
import { waitFor } from './fixtures/wait-for';

describe('PoolModule', () => {
  describe('forRoot refuses invalid options at startup, naming the field', () => {
    it.each<[string, unknown, RegExp]>([
      ['size 0', { size: 0 }, /size must be a whole number of workers from 1 to 1024, got 0/],
      ['size -1', { size: -1 }, /size must be .* got -1/],
      ['size 1.5', { size: 1.5 }, /size must be .* got 1\.5/],
      ['a huge size', { size: 1e6 }, /size must be .* got 1000000/],
      ['a size string', { size: '4' }, /size must be .* got "4"/],
      ['NaN', { size: NaN }, /size must be .* got NaN/],
      [
        'an unknown panic switch',
        { panicSwitch: 'explode' },
        /panicSwitch must be PanicSwitch.Kill or PanicSwitch.Respawn, got "explode"/,
      ],
      [
        'a negative shutdown timeout',
        { shutdownTimeout: -5 },
        /shutdownTimeout must be a number of milliseconds, 0 or more/,
      ],
      ['a misspelt option', { sise: 2 }, /unknown option "sise"/],
      ['a non-boolean panicOnError', { panicOnError: 'yes' }, /panicOnError must be a boolean/],
    ])('%s', (_what, options, message) => {
      expect(() => PoolModule.forRoot(options as PoolOptions)).toThrow(PoolConfigError);
      expect(() => PoolModule.forRoot(options as PoolOptions)).toThrow(message);
    });

    it('lists every bad field at once', () => {
      expect(() => PoolModule.forRoot({ size: 0, shutdownTimeout: -1 })).toThrow(/size must .*; shutdownTimeout must/);
    });
  });

  it("with readyWhen: 'first', starts serving once one worker has booted; the others boot on", async () => {
    const { app, pool } = await startPoolApp({ size: 2, readyWhen: 'first' }, [GreeterModule]);
    try {
      const { idle, starting, busy } = pool.status();
      expect(idle + busy).toBeGreaterThanOrEqual(1);
      expect(idle + busy + starting).toBe(2);
      expect(await firstValueFrom(pool.execute(GreeterJobs, 'greet', 'early'))).toBe('Hello, early');
      await waitFor(() => pool.status().idle === 2, 'the second worker to boot');
    } finally {
      await app.close();
    }
  });

  it('refuses an unknown readyWhen', () => {
    expect(() => PoolModule.forRoot({ readyWhen: 'some' as 'all' })).toThrow(
      /readyWhen must be "all" or "first", got "some"/,
    );
  });

  it('forRootAsync takes options from an injected factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRootAsync({
          imports: [PoolConfigModule],
          inject: [PoolConfig],
          useFactory: (config: PoolConfig) => ({ size: config.size, panicSwitch: PanicSwitch.Respawn }),
        }),
        GreeterModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      const pool = app.get(Pool);
      expect(pool.status()).toMatchObject({ size: 1, idle: 1 });
      expect(await firstValueFrom(pool.execute(GreeterJobs, 'greet', 'pool'))).toBe('Hello, pool');
    } finally {
      await app.close();
    }
  });

  it('forRootAsync with invalid options fails app.init() with a PoolConfigError, and the process goes on', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRootAsync({ useFactory: () => ({ size: 0 }) }), GreeterModule],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(PoolConfigError);
    await moduleRef.close();
  });

  it('injects the default pool with @InjectPool(), by type, and by getPoolToken(); named pools by name', async () => {
    @Injectable()
    class Consumer {
      constructor(
        @InjectPool() readonly viaDecorator: Pool,
        readonly viaType: Pool,
        @InjectPool('reports') readonly named: Pool,
      ) {}
    }
    @Module({ providers: [Consumer] })
    class ConsumerModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ size: 1 }),
        PoolModule.forRoot({ name: 'reports', size: 1 }),
        GreeterModule,
        ConsumerModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      const consumer = app.get(Consumer);
      expect(consumer.viaDecorator).toBeInstanceOf(Pool);
      expect(consumer.viaType).toBe(consumer.viaDecorator);
      expect(app.get(getPoolToken())).toBe(consumer.viaDecorator);
      expect(consumer.named).toBe(app.get(getPoolToken('reports')));
      expect(consumer.named).not.toBe(consumer.viaDecorator);
      expect(await firstValueFrom(consumer.viaType.execute(GreeterJobs, 'greet', 'default'))).toBe('Hello, default');
    } finally {
      await app.close();
    }
  });

  it('fails app.init() with a WorkerBootError naming the cause when a job provider cannot be built in a worker', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ size: 2 }), BrokenModule, BehaviourModule],
    }).compile();
    moduleRef.useLogger(false);
    const init = moduleRef.init();
    await expect(init).rejects.toThrow(WorkerBootError);
    await expect(init).rejects.toThrow(
      /could not boot the job context: the constructor of BrokenJobs threw: the licence file is missing in the worker/,
    );
    await moduleRef.close();
  });

  it('boots a job module whose controller injects pools: in a worker they resolve to unusable pools', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ size: 1 }),
        PoolModule.forRoot({ name: 'reports', size: 1 }),
        GreeterWithApiModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      expect(await firstValueFrom(app.get(GreeterController).greet())).toBe('Hey, http');
      const nested = await firstValueFrom(app.get(Pool).execute(GreeterJobs, 'poolInWorker'));
      expect(nested).toEqual({
        name: 'PoolUnavailableError',
        message: expect.stringMatching(/cannot be used inside its own workers/),
      });
    } finally {
      await app.close();
    }
  });

  it('boots job providers declared in the root module itself, whose worker copy of PoolModule stays inert', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [RootWithJobsModule] }).compile();
    const app = await moduleRef.init();
    try {
      expect(await firstValueFrom(app.get(Pool).execute(GreeterJobs, 'greet', 'root'))).toBe('Hi, root');
    } finally {
      await app.close();
    }
  });
});
