import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Pool } from 'nestjs-poolio';
import { performance } from 'node:perf_hooks';
import { Subscription } from 'rxjs';
import { PrimesJobs } from '../primes/primes.jobs.js';
import { InstanceTally } from './instance-tally.service.js';

/** What `POST /pool/demo-load` answers: the burst is submitted, not done. */
export interface DemoLoadReceipt {
  readonly burst: number;
  readonly submitted: number;
  readonly below: number;
  /** Demo jobs go below the default priority (0), so that real requests do not wait behind a burst. */
  readonly priority: number;
}

const DEMO_PRIORITY = -1;

/**
 * Submits bursts of prime counts in the background, for the dashboard to show a busy pool. Nobody waits for
 * their results: each burst logs a summary when its last job ends. On shutdown the bursts still going are
 * cancelled (queued jobs leave the queue, running ones are stopped), so that a demo does not hold the app up.
 */
@Injectable()
export class DemoLoadService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DemoLoadService.name);
  private readonly pending = new Set<Subscription>();
  private bursts = 0;

  constructor(
    private readonly pool: Pool,
    private readonly tally: InstanceTally,
  ) {}

  start(count: number, below: number): DemoLoadReceipt {
    const burst = ++this.bursts;
    const started = performance.now();
    const outcome = { done: 0, failed: 0, firstError: '' };
    const settle = (): void => {
      if (outcome.done + outcome.failed < count) return;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const failed = outcome.failed ? `, ${outcome.failed} failed (first: ${outcome.firstError})` : '';
      this.logger.log(`Demo load #${burst}: ${outcome.done} of ${count} prime counts done in ${seconds} s${failed}`);
    };
    const executor = this.pool.with({ priority: DEMO_PRIORITY });
    for (let i = 0; i < count; i++) {
      // Created first, so that a job that ends at once (refused: the pool is closing) can already remove it.
      const job = new Subscription();
      this.pending.add(job);
      job.add(
        executor.execute(PrimesJobs, 'countPrimes', below).subscribe({
          next: (result) => this.tally.record(result.instance),
          complete: () => {
            this.pending.delete(job);
            outcome.done++;
            settle();
          },
          error: (error: unknown) => {
            this.pending.delete(job);
            outcome.failed++;
            outcome.firstError ||= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            settle();
          },
        }),
      );
    }
    return { burst, submitted: count, below, priority: DEMO_PRIORITY };
  }

  beforeApplicationShutdown(): void {
    if (this.pending.size === 0) return;
    this.logger.log(`Cancelling ${this.pending.size} demo-load job(s): the app is shutting down`);
    for (const subscription of this.pending) subscription.unsubscribe();
    this.pending.clear();
  }
}
