import type { JobTarget, RunInstruction } from '../protocol/messages';

/** Where a job's outcome goes: an RxJS Subscriber fits as it is. */
export interface JobSink {
  next(value: unknown): void;
  complete(): void;
  error(error: unknown): void;
}

export type JobState = 'queued' | 'running' | 'settled' | 'withdrawn';

let nextJobId = 1;

/** One submitted job, from queue to outcome. It settles exactly once. */
export class Job {
  readonly id = nextJobId++;
  readonly instruction: RunInstruction;
  state: JobState = 'queued';

  constructor(
    target: JobTarget,
    args: readonly unknown[],
    /** For messages: `PrimesJobs.countPrimes`, `function fib`. */
    readonly label: string,
    private readonly sink: JobSink,
  ) {
    this.instruction = { kind: 'run', id: this.id, target, args };
  }

  succeed(value: unknown): void {
    if (this.state === 'settled' || this.state === 'withdrawn') return;
    this.state = 'settled';
    this.sink.next(value);
    this.sink.complete();
  }

  fail(error: unknown): void {
    if (this.state === 'settled' || this.state === 'withdrawn') return;
    this.state = 'settled';
    this.sink.error(error);
  }
}
