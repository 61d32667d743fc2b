import { Injectable, Module } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  getPoolToken,
  Pool,
  PoolConfigError,
  PoolModule,
  type PoolFactoryOptions,
  type PoolModuleAsyncOptions,
  type PoolOptionsFactory,
} from '../lib';
import { GreeterJobs, GreeterModule, PoolConfig, PoolConfigModule } from './fixtures/config.jobs';

/** Options from a class, as a ConfigService-backed factory would make them. */
@Injectable()
class PoolOptionsFromConfig implements PoolOptionsFactory {
  constructor(private readonly config: PoolConfig) {}

  createPoolOptions(): Promise<PoolFactoryOptions> {
    return Promise.resolve({ size: this.config.size, shutdownTimeout: 5_000 });
  }
}

@Module({ imports: [PoolConfigModule], providers: [PoolOptionsFromConfig], exports: [PoolOptionsFromConfig] })
class PoolOptionsModule {}

@Injectable()
class NotAFactory {}

@Module({ providers: [NotAFactory], exports: [NotAFactory] })
class NotAFactoryModule {}

async function started(imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>) {
  const moduleRef = await Test.createTestingModule({ imports: [...imports, GreeterModule] }).compile();
  moduleRef.useLogger(false);
  return moduleRef.init();
}

describe('PoolModule async options', () => {
  it.each<[string, PoolModuleAsyncOptions]>([
    [
      'useClass, built in the pool’s module with its own dependencies',
      { imports: [PoolConfigModule], useClass: PoolOptionsFromConfig },
    ],
    ['useExisting, an imported provider', { imports: [PoolOptionsModule], useExisting: PoolOptionsFromConfig }],
  ])('forRootAsync takes options from %s', async (_how, asyncOptions) => {
    const app = await started([PoolModule.forRootAsync(asyncOptions)]);
    try {
      const pool = app.get(Pool);
      expect(pool.status()).toMatchObject({ size: 1, idle: 1 });
      expect(app.get(getPoolToken())).toBe(pool);
      expect(await firstValueFrom(pool.execute(GreeterJobs, 'greet', 'class'))).toBe('Hello, class');
    } finally {
      await app.close();
    }
  });

  it('registerPoolAsync takes useClass too, and names the pool itself', async () => {
    const app = await started([
      PoolModule.forRoot({ size: 1 }),
      PoolModule.registerPoolAsync({ name: 'reports', imports: [PoolConfigModule], useClass: PoolOptionsFromConfig }),
    ]);
    try {
      const reports = app.get<Pool>(getPoolToken('reports'));
      expect(reports.name).toBe('reports');
      expect(reports).not.toBe(app.get(Pool));
      expect(reports.status()).toMatchObject({ size: 1 });
    } finally {
      await app.close();
    }
  });

  it('fails app.init() with a PoolConfigError when the useExisting provider has no createPoolOptions()', async () => {
    const failed = started([PoolModule.forRootAsync({ imports: [NotAFactoryModule], useExisting: NotAFactory })]);
    await expect(failed).rejects.toThrow(PoolConfigError);
    await expect(failed).rejects.toThrow(/NotAFactory has no createPoolOptions\(\) method/);
  });

  it('refuses async options with none of useFactory, useClass and useExisting, naming all three', () => {
    expect(() => PoolModule.forRootAsync({ imports: [] })).toThrow(PoolConfigError);
    expect(() => PoolModule.forRootAsync({ imports: [] })).toThrow(/useFactory.*useClass.*useExisting/);
  });
});

describe('PoolModule discovery', () => {
  it('walks the app’s providers once for all its pools', async () => {
    const walks = jest.spyOn(DiscoveryService.prototype, 'getProviders');
    try {
      const app = await started([
        PoolModule.forRoot({ size: 1 }),
        PoolModule.registerPool({ name: 'reports', size: 1 }),
        PoolModule.registerPool({ name: 'exports', size: 1 }),
      ]);
      try {
        expect(await firstValueFrom(app.get(Pool).execute(GreeterJobs, 'greet', 'once'))).toBe('Hello, once');
        expect(walks).toHaveBeenCalledTimes(1);
      } finally {
        await app.close();
      }
    } finally {
      walks.mockRestore();
    }
  });
});
