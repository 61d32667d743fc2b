import { Injectable } from '@nestjs/common';
import { PoolJob } from 'nestjs-poolio';
import { identity, spin, type SpinInput } from '../tasks/bench.tasks';

/** The benchmark's jobs as a Nest provider: the same bodies the peer pools run. */
@Injectable()
export class BenchJobs {
  @PoolJob()
  identity(value: number): number {
    return identity(value);
  }

  @PoolJob()
  spin(input: SpinInput): number {
    return spin(input);
  }
}
