import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { isMainThread, workerData } from 'node:worker_threads';
import type { PoolModuleAsyncOptions, PoolOptions } from './interfaces/pool-options.interface';
import { JobContext } from './jobs/job-context';
import { Pool } from './pool';
import { PoolConfigError } from './errors/pool-config.error';
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
    options ??= {};
    resolvePoolOptions(options); // fail fast; the pool checks them again when it starts
    const optionsProvider: Provider = { provide: getPoolOptionsToken(options.name), useValue: options };
    return PoolModule.assemble(options.name, optionsProvider, []);
  }

  /**
   * Registers a pool whose options come from a factory (e.g. from `ConfigService`). Invalid options fail
   * `app.init()` with a `PoolConfigError`.
   */
  static forRootAsync(options: PoolModuleAsyncOptions): DynamicModule {
    if (typeof options !== 'object' || options === null || typeof options.useFactory !== 'function') {
      throw new PoolConfigError(
        'PoolModule.forRootAsync() needs { useFactory, inject?, imports?, name? } with a function as useFactory',
      );
    }
    const optionsProvider: Provider = {
      provide: getPoolOptionsToken(options.name),
      inject: options.inject ?? [],
      useFactory: async (...args: never[]): Promise<PoolOptions> => {
        const produced: unknown = await options.useFactory(...args);
        // Anything but an object is left as it is: the pool refuses it with a PoolConfigError when it starts.
        if (options.name === undefined || typeof produced !== 'object' || produced === null)
          return produced as PoolOptions;
        return { ...produced, name: options.name };
      },
    };
    return PoolModule.assemble(options.name, optionsProvider, options.imports ?? []);
  }

  /**
   * Registers a named pool beside the default one, as `BullModule.registerQueue` registers queues: inject it
   * with `@InjectPool(name)`, and send a job to it with `@PoolJob({ pool: name })`. A name registered twice,
   * or a job naming a pool that is not registered, fails at boot.
   */
  static registerPool(options: PoolOptions & { name: string }): DynamicModule {
    PoolModule.requireName(options?.name, 'registerPool');
    return PoolModule.forRoot(options);
  }

  /** Registers a named pool whose options come from a factory; see `registerPool`. */
  static registerPoolAsync(options: PoolModuleAsyncOptions & { name: string }): DynamicModule {
    PoolModule.requireName(options?.name, 'registerPoolAsync');
    return PoolModule.forRootAsync(options);
  }

  private static requireName(name: unknown, method: string): void {
    if (typeof name !== 'string' || name === '') {
      throw new PoolConfigError(`PoolModule.${method}() needs a name: a non-empty string, got ${JSON.stringify(name)}`);
    }
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
