import type { Provider } from '@nestjs/common';
import { PoolConfigError } from './errors/pool-config.error';
import type { PoolModuleAsyncOptions, PoolOptions, PoolOptionsFactory } from './interfaces/pool-options.interface';
import { Pool } from './pool';
import type { PoolExplorer } from './pool.explorer';
import { poolMessages } from './pool.messages';
import { refusedOptions, type ResolvedPoolOptions } from './pool-options.validator';
import { getPoolOptionsToken, getPoolToken, POOL_EXPLORER } from './pool.tokens';

/** Static options, resolved by `forRoot` (a mistake fails at that call) and so not checked again at start. */
export function createOptionsProvider(options: ResolvedPoolOptions): Provider {
  return { provide: getPoolOptionsToken(options.name), useValue: options };
}

/** Whichever of `useFactory`, `useClass` and `useExisting` was given; throws `PoolConfigError` for none. */
export function createAsyncOptionsProviders(options: PoolModuleAsyncOptions, method: string): Provider[] {
  const { name, useFactory, useClass, useExisting } = options;
  const named = (produced: unknown): PoolOptions =>
    // Anything but an object is left as it is: the pool refuses it with a PoolConfigError when it starts.
    (name === undefined || typeof produced !== 'object' || produced === null
      ? produced
      : { ...produced, name }) as PoolOptions;
  const provide = getPoolOptionsToken(name);
  if (typeof useFactory === 'function') {
    const inject = options.inject ?? [];
    return [{ provide, inject, useFactory: async (...args: never[]) => named(await useFactory(...args)) }];
  }
  const factoryToken = typeof useClass === 'function' ? useClass : useExisting;
  if (factoryToken === undefined || factoryToken === null) {
    throw new PoolConfigError(poolMessages.asyncOptionsShape(method));
  }
  const fromFactory: Provider = {
    provide,
    inject: [factoryToken],
    useFactory: async (factory: PoolOptionsFactory): Promise<PoolOptions> => {
      if (typeof factory?.createPoolOptions !== 'function') {
        return refusedOptions(name, new PoolConfigError(poolMessages.noCreatePoolOptions(describeToken(factoryToken))));
      }
      return named(await factory.createPoolOptions());
    },
  };
  return typeof useClass === 'function' ? [{ provide: useClass, useClass }, fromFactory] : [fromFactory];
}

/** The pool under its string token and, for the default pool, under the `Pool` class too (the same instance). */
export function createPoolProviders(name: string | undefined): Provider[] {
  const token = getPoolToken(name);
  const pool: Provider = {
    provide: token,
    inject: [getPoolOptionsToken(name), POOL_EXPLORER],
    useFactory: (options: PoolOptions, explorer: PoolExplorer) => new Pool(options, { explorer }),
  };
  return name === undefined ? [pool, { provide: Pool, useExisting: token }] : [pool];
}

/** Inside a pool worker the pool is inert: neither its options (their dependencies are not booted) nor discovery. */
export function createInertPoolProviders(name: string | undefined): Provider[] {
  const token = getPoolToken(name);
  const pool: Provider = { provide: token, useFactory: () => new Pool({ name }, null) };
  return name === undefined ? [pool, { provide: Pool, useExisting: token }] : [pool];
}

function describeToken(token: unknown): string {
  return typeof token === 'function' ? token.name || 'the class' : String(token);
}
