import { Injectable, Module } from '@nestjs/common';
import { JobContext, PoolJob, transfer } from 'nestjs-poolio';

/** Jobs for the job-control measurements (this pool's own features: no peer has them all). */
@Injectable()
export class ControlBenchJobs {
  constructor(private readonly job: JobContext) {}

  /** Receives a payload and sends it back, moved (`transfer`) or copied. */
  @PoolJob()
  echoBytes(bytes: Uint8Array, move: boolean): Uint8Array {
    bytes[0] = 1;
    return move ? transfer(bytes) : bytes;
  }

  /** Runs until cancelled, checking its signal between small steps. */
  @PoolJob()
  async untilCancelled(): Promise<void> {
    const signal = this.job.signal;
    while (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** Burns CPU and never looks at its signal. */
  @PoolJob()
  ignoreCancel(): void {
    for (;;) {
      // the supervisor ends this worker once the cancel grace runs out
    }
  }

  @PoolJob()
  identity(value: number): number {
    return value;
  }
}

@Module({ providers: [ControlBenchJobs], exports: [ControlBenchJobs] })
export class ControlBenchModule {}
