import { Injectable } from '@nestjs/common';
import { PoolJob, transfer } from 'nestjs-poolio';
import { identity, spin, touchBytes, type SpinInput } from '../tasks/bench.tasks';

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

  @PoolJob()
  copyBytes(bytes: Uint8Array): Uint8Array {
    return touchBytes(bytes);
  }

  /** Sent back with the library's own `transfer()`. */
  @PoolJob()
  moveBytes(bytes: Uint8Array): Uint8Array {
    return transfer(touchBytes(bytes));
  }
}
