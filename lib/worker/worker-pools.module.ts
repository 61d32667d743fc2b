import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { JobContext } from '../jobs/job-context';
import { getPoolToken } from '../pool.tokens';
import { inertPool, offeredPoolClass } from './inert-pool';

/**
 * Inside a worker, the app's pools as inert stand-ins: a job module's provider that injects a pool (to submit
 * jobs when it runs on the main thread) still boots here, and gets a pool that refuses every job. It takes the
 * place of `PoolModule`, which would load the supervisor into every worker.
 */
@Module({})
export class WorkerPoolsModule {
  static forPools(pools: readonly (string | null)[]): DynamicModule {
    const providers: Provider[] = [JobContext];
    const exports: NonNullable<DynamicModule['exports']> = [JobContext];
    for (const name of pools) {
      const token = getPoolToken(name ?? undefined);
      providers.push({ provide: token, useFactory: () => inertPool(name) });
      exports.push(token);
      const poolClass = offeredPoolClass();
      if (name === null && poolClass) {
        providers.push({ provide: poolClass, useExisting: token });
        exports.push(poolClass);
      }
    }
    return { module: WorkerPoolsModule, global: true, providers, exports };
  }
}
