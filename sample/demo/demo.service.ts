import { Injectable } from '@nestjs/common';
import { Pool } from 'nestjs-poolio';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { forkJoin, lastValueFrom } from 'rxjs';
import { PrimesJobs, type PrimeCount } from '../primes/primes.jobs.js';

export type DemoMode = 'pool' | 'blocking';

export interface ResponsivenessReport {
  mode: DemoMode;
  jobs: number;
  below: number;
  wallMs: number;
  /** How late the main thread's event loop ran its timers while the jobs ran (99th percentile and worst). */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  results: PrimeCount[];
}

/** Sampling period of the event-loop monitor, in ms. */
const RESOLUTION_MS = 10;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Runs K prime counts at once, on the pool or on the main thread, and measures the main thread meanwhile. */
@Injectable()
export class DemoService {
  constructor(
    private readonly pool: Pool,
    private readonly jobs: PrimesJobs,
  ) {}

  async measure(mode: DemoMode, jobs: number, below: number): Promise<ResponsivenessReport> {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    // Let the monitor take a first sample so that it is ticking when the work starts.
    await sleep(RESOLUTION_MS * 2);
    const started = performance.now();
    const results = mode === 'pool' ? await this.onPool(jobs, below) : this.onMainThread(jobs, below);
    const wallMs = performance.now() - started;
    // A blocked loop fires the monitor's timer late, after the work: give it the chance to record that delay.
    await sleep(RESOLUTION_MS * 2);
    histogram.disable();
    return {
      mode,
      jobs,
      below,
      wallMs: round(wallMs),
      // The histogram counts in nanoseconds; it also counts the timer's own period, which is not delay.
      eventLoopDelayP99Ms: round(Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS)),
      eventLoopDelayMaxMs: round(Math.max(0, histogram.max / 1e6 - RESOLUTION_MS)),
      results,
    };
  }

  /** All jobs submitted at once; the pool runs as many in parallel as it has workers and queues the rest. */
  private onPool(jobs: number, below: number): Promise<PrimeCount[]> {
    const counts = Array.from({ length: jobs }, () => this.pool.execute(PrimesJobs, 'countPrimes', below));
    return lastValueFrom(forkJoin(counts));
  }

  /** One after another on the main thread: nothing else (not even /ping) runs until the last one ends. */
  private onMainThread(jobs: number, below: number): PrimeCount[] {
    return Array.from({ length: jobs }, () => this.jobs.countPrimes(below));
  }
}
