import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { isMainThread, workerData } from 'node:worker_threads';
import type { PoolModuleAsyncOptions, PoolOptions } from './interfaces/pool-options.interface';
import { JobContext } from './jobs/job-context';
import { Pool } from './pool';
import { resolvePoolOptions } from './pool-options.validator';
import { getPoolOptionsToken, getPoolToken } from './pool.tokens';

/** True in a pool worker: its job modules may import PoolModule, but a worker never runs a pool of its own. */
const insideWorker = (): boolean =>
  !isMainThread && (workerData as { poolioWorker?: unknown } | null)?.poolioWorker === true;

type Imports = NonNullable<DynamicModule['imports']>;

/**
 * Registers a pool of worker threads. Import it once in the root module:
 * `PoolModule.forRoot({ size: 4, panicSwitch: PanicSwitch.Respawn })`. The module is global, so any provider
 * can inject the pool with `@InjectPool()`.
 */
@Module({})
export class PoolModule {
  /** Registers a pool with static options; invalid options throw a `PoolConfigError` here, at startup. */
  static forRoot(options: PoolOptions = {}): DynamicModule {
    resolvePoolOptions(options); // fail fast; the pool checks them again when it starts
    const optionsProvider: Provider = { provide: getPoolOptionsToken(options.name), useValue: options };
    return PoolModule.assemble(options.name, optionsProvider, []);
  }

  /**
   * Registers a pool whose options come from a factory (e.g. from `ConfigService`). Invalid options fail
   * `app.init()` with a `PoolConfigError`.
   */
  static forRootAsync(options: PoolModuleAsyncOptions): DynamicModule {
    const optionsProvider: Provider = {
      provide: getPoolOptionsToken(options.name),
      inject: options.inject ?? [],
      useFactory: async (...args: never[]): Promise<PoolOptions> => {
        const produced = await options.useFactory(...args);
        return options.name === undefined ? produced : { ...produced, name: options.name };
      },
    };
    return PoolModule.assemble(options.name, optionsProvider, options.imports ?? []);
  }

  private static assemble(name: string | undefined, optionsProvider: Provider, imports: Imports): DynamicModule {
    const token = getPoolToken(name);
    if (insideWorker()) {
      // Neither the options (their factory's dependencies are not booted here) nor discovery: an inert pool.
      return {
        module: PoolModule,
        global: true,
        providers: [{ provide: token, useFactory: () => new Pool({ name }, null) }, JobContext],
        exports: [token, JobContext],
      };
    }
    const poolProvider: Provider = {
      provide: token,
      inject: [getPoolOptionsToken(name), DiscoveryService],
      useFactory: (options: PoolOptions, discovery: DiscoveryService) =>
        new Pool(options, { discovery, isPoolModule: (type) => type === PoolModule }),
    };
    return {
      module: PoolModule,
      global: true,
      imports: [...imports, DiscoveryModule],
      providers: [optionsProvider, poolProvider, JobContext],
      exports: [token, JobContext],
    };
  }
}
