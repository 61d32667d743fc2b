import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { isMainThread, workerData } from 'node:worker_threads';
import { PoolConfigError } from './errors/pool-config.error';
import type { PoolModuleAsyncOptions, PoolOptions } from './interfaces/pool-options.interface';
import { JobContext } from './jobs/job-context';
import { Pool } from './pool';
import { PoolExplorer } from './pool.explorer';
import { poolMessages } from './pool.messages';
import { resolvePoolOptions } from './pool-options.validator';
import {
  createAsyncOptionsProviders,
  createInertPoolProviders,
  createOptionsProvider,
  createPoolProviders,
} from './pool.providers';
import { getPoolToken, POOL_EXPLORER } from './pool.tokens';

/** True in a pool worker: its job modules may import PoolModule, but a worker never runs a pool of its own. */
const insideWorker = (): boolean =>
  !isMainThread && (workerData as { poolioWorker?: unknown } | null)?.poolioWorker === true;

type Imports = NonNullable<DynamicModule['imports']>;

/**
 * The one explorer of the app, however many pools it registers: a module without dynamic metadata is
 * instantiated once, and each pool's module imports it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: POOL_EXPLORER,
      inject: [DiscoveryService],
      useFactory: (discovery: DiscoveryService) => new PoolExplorer(discovery, isPoolModule),
    },
  ],
  exports: [POOL_EXPLORER],
})
class PoolExplorerModule {}

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
    return PoolModule.assemble(resolved.name, [createOptionsProvider(resolved)], []);
  }

  /**
   * Registers a pool whose options a provider makes (e.g. from `ConfigService`): `useFactory` with `inject`,
   * `useClass` or `useExisting`. Invalid options fail `app.init()` with a `PoolConfigError`.
   */
  static forRootAsync(options: PoolModuleAsyncOptions): DynamicModule {
    return PoolModule.assembleAsync(options, 'forRootAsync');
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

  /** Registers a named pool whose options a provider makes; see `registerPool` and `forRootAsync`. */
  static registerPoolAsync(options: PoolModuleAsyncOptions & { name: string }): DynamicModule {
    PoolModule.requireName(options?.name, 'registerPoolAsync');
    return PoolModule.assembleAsync(options, 'registerPoolAsync');
  }

  private static assembleAsync(options: PoolModuleAsyncOptions, method: string): DynamicModule {
    if (typeof options !== 'object' || options === null) {
      throw new PoolConfigError(poolMessages.asyncOptionsShape(method));
    }
    const providers = createAsyncOptionsProviders(options, method);
    return PoolModule.assemble(options.name, providers, options.imports ?? []);
  }

  private static requireName(name: unknown, method: string): void {
    if (typeof name !== 'string' || name === '') throw new PoolConfigError(poolMessages.nameRequired(method, name));
  }

  private static assemble(name: string | undefined, optionsProviders: Provider[], imports: Imports): DynamicModule {
    const exports = [getPoolToken(name), JobContext];
    if (insideWorker()) {
      const providers = [...createInertPoolProviders(name), JobContext];
      return { module: PoolModule, global: true, providers, exports: [...exports, ...defaultAlias(name)] };
    }
    return {
      module: PoolModule,
      global: true,
      imports: [...imports, PoolExplorerModule],
      providers: [...optionsProviders, ...createPoolProviders(name), JobContext],
      exports: [...exports, ...defaultAlias(name)],
    };
  }
}

/** The default pool is exported under the `Pool` class too, for injection by type. */
const defaultAlias = (name: string | undefined): Function[] => (name === undefined ? [Pool] : []);

function isPoolModule(type: Function): boolean {
  return type === PoolModule || type === PoolExplorerModule;
}
