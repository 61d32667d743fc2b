import { Injectable, Module } from '@nestjs/common';
import { PoolJob } from 'nestjs-poolio';

/** Jobs for the respawn measurement. */
@Injectable()
export class RespawnBenchJobs {
  /** Ends its worker thread mid-job: a panic, which `PanicSwitch.Respawn` answers with a fresh worker. */
  @PoolJob()
  crash(): never {
    process.exit(1);
  }

  @PoolJob()
  identity(value: number): number {
    return value;
  }
}

@Module({ providers: [RespawnBenchJobs], exports: [RespawnBenchJobs] })
export class RespawnBenchModule {}
