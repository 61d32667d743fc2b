import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool, PoolModule, transfer } from 'nestjs-poolio';
import { firstValueFrom } from 'rxjs';
import type { SpinInput, TaskInput, TaskName } from '../tasks/bench.tasks';
import type { PoolAdapter, PoolEntry } from './pool.adapter';
import { packageVersion } from './package-version.util';
import { BenchJobs } from './poolio.jobs';
import { BenchJobsModule } from './poolio.module';

/** This pool, used the way an app uses it: a Nest application context, `pool.execute()`, `firstValueFrom`. */
class PoolioAdapter implements PoolAdapter {
  private app: INestApplicationContext | undefined;
  private pool: Pool | undefined;

  async start(size: number): Promise<void> {
    @Module({ imports: [PoolModule.forRoot({ size }), BenchJobsModule] })
    class BenchAppModule {}

    this.app = await NestFactory.createApplicationContext(BenchAppModule, { logger: false });
    this.pool = this.app.get(Pool);
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown> {
    const pool = this.pool;
    if (!pool) return Promise.reject(new Error('poolio: run() before start()'));
    switch (task) {
      case 'identity':
        return firstValueFrom(pool.execute(BenchJobs, 'identity', input as number));
      case 'spin':
        return firstValueFrom(pool.execute(BenchJobs, 'spin', input as SpinInput));
      case 'copyBytes':
        return firstValueFrom(pool.execute(BenchJobs, 'copyBytes', input as Uint8Array));
      default:
        // Moved with the library's own `transfer()`.
        return firstValueFrom(pool.execute(BenchJobs, 'moveBytes', transfer(input as Uint8Array)));
    }
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}

export const poolio: PoolEntry = {
  name: 'poolio',
  version: packageVersion(),
  settings: 'PoolModule.forRoot({ size }), a Nest application context per worker',
  create: () => new PoolioAdapter(),
};
