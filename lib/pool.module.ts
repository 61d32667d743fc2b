import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { isMainThread, workerData } from 'node:worker_threads';
import type { PoolModuleAsyncOptions, PoolOptions } from './interfaces/pool-options.interface';
import { Pool } from './pool';
import { resolvePoolOptions, type ResolvedPoolOptions } from './pool-options.validator';
import { getPoolOptionsToken, getPoolToken } from './pool.tokens';

/** True in a pool worker: its job modules may import PoolModule, but a worker never runs a pool of its own. */
const insideWorker = (): boolean =>
  !isMainThread && (workerData as { poolioWorker?: unknown } | null)?.poolioWorker === true;

/**
 * Registers a pool of worker threads. Import it once in the root module:
 * `PoolModule.forRoot({ size: 4, panicSwitch: PanicSwitch.Respawn })`. The module is global, so any provider
 * can inject the pool with `@InjectPool()`.
 */
@Module({})
export class PoolModule {
  /** Registers a pool with static options; invalid options throw a `PoolConfigError` here, at startup. */
  static forRoot(options: PoolOptions = {}): DynamicModule {
    const resolved = resolvePoolOptions(options);
    return PoolModule.assemble(
      resolved.name,
      [{ provide: getPoolOptionsToken(resolved.name), useValue: resolved }],
      [],
    );
  }

  /** Registers a pool whose options come from a factory (e.g. from `ConfigService`). */
  static forRootAsync(options: PoolModuleAsyncOptions): DynamicModule {
    const optionsProvider: Provider = {
      provide: getPoolOptionsToken(options.name),
      inject: options.inject ?? [],
      useFactory: async (...args: never[]): Promise<ResolvedPoolOptions> => {
        const produced = await options.useFactory(...args);
        return resolvePoolOptions({ ...produced, ...(options.name === undefined ? {} : { name: options.name }) });
      },
    };
    return PoolModule.assemble(options.name, [optionsProvider], options.imports ?? []);
  }

  private static assemble(
    name: string | undefined,
    optionProviders: Provider[],
    imports: DynamicModule['imports'] & {},
  ): DynamicModule {
    const token = getPoolToken(name);
    if (insideWorker()) {
      return {
        module: PoolModule,
        global: true,
        providers: [
          ...optionProviders,
          {
            provide: token,
            useFactory: (o: ResolvedPoolOptions) => new Pool(o, null),
            inject: [getPoolOptionsToken(name)],
          },
        ],
        exports: [token],
      };
    }
    const poolProvider: Provider = {
      provide: token,
      inject: [getPoolOptionsToken(name), DiscoveryService],
      useFactory: (resolved: ResolvedPoolOptions, discovery: DiscoveryService) =>
        new Pool(resolved, { discovery, isPoolModule: (type) => type === PoolModule }),
    };
    return {
      module: PoolModule,
      global: true,
      imports: [...imports, DiscoveryModule],
      providers: [...optionProviders, poolProvider],
      exports: [token],
    };
  }
}
