import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Pool, type PoolEvent } from 'nestjs-poolio';
import type { Subscription } from 'rxjs';

/** Seconds of history the dashboard draws. */
export const HISTORY_SECONDS = 60;
/** Samples kept per second and per kind (wait, run); past that, a random sample of them (reservoir). */
const SAMPLES_PER_SECOND = 500;

/** p50 and p99 of some durations, in ms; null where there were none. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p99: number | null;
}

/** One second of the pool's activity. */
export interface SecondPoint {
  /** Unix time of the second's start, in whole seconds. */
  readonly t: number;
  /** Jobs that ended with a result. */
  readonly completed: number;
  /** Jobs that failed or panicked. */
  readonly failed: number;
  /** The deepest the queue was during the second (at the pool's events; else as the last event left it). */
  readonly queuedMax: number;
  /** Waits of the jobs that started during the second, and runs of those that ended. */
  readonly waitMs: Percentiles;
  readonly runMs: Percentiles;
}

/** The last minute, second by second (oldest first, the current, partial second last), and summed up. */
export interface LastMinute {
  readonly seconds: SecondPoint[];
  /** Jobs completed per second, averaged over the full seconds of the minute. */
  readonly jobsPerSec: number;
  readonly waitMs: Percentiles;
  readonly runMs: Percentiles;
}

interface Bucket {
  t: number;
  completed: number;
  failed: number;
  queuedMax: number;
  /** The queue's depth at the bucket's last event. */
  queuedLast: number;
  wait: Samples;
  run: Samples;
}

/** At most SAMPLES_PER_SECOND durations, a uniform sample of all that were offered. */
class Samples {
  readonly values: number[] = [];
  private seen = 0;

  add(ms: number): void {
    this.seen++;
    if (this.values.length < SAMPLES_PER_SECOND) this.values.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < SAMPLES_PER_SECOND) this.values[slot] = ms;
    }
  }
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: null, p99: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * The pool's last minute, second by second, recorded from `pool.events$`: throughput, queue depth, and wait and
 * run percentiles. `pool.stats()` sums up the pool's whole life (its percentiles cover the last 1 024 jobs); a
 * chart needs to know when things happened. It listens from startup, so the first page load already has history.
 */
@Injectable()
export class PoolHistory implements OnModuleInit, OnModuleDestroy {
  private readonly buckets: Bucket[] = [];
  /** The queue's depth as the last pruned bucket left it. */
  private queuedBefore = 0;
  private subscription: Subscription | undefined;

  constructor(private readonly pool: Pool) {}

  onModuleInit(): void {
    this.subscription = this.pool.events$.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  lastMinute(now = Date.now()): LastMinute {
    const current = Math.floor(now / 1000);
    this.prune(current);
    const byTime = new Map(this.buckets.map((bucket) => [bucket.t, bucket]));
    const seconds: SecondPoint[] = [];
    let queued = this.queuedBefore; // a second without events leaves the queue as it was
    for (let t = current - HISTORY_SECONDS + 1; t <= current; t++) {
      const bucket = byTime.get(t);
      seconds.push({
        t,
        completed: bucket?.completed ?? 0,
        failed: bucket?.failed ?? 0,
        queuedMax: bucket?.queuedMax ?? queued,
        waitMs: percentiles(bucket?.wait.values ?? []),
        runMs: percentiles(bucket?.run.values ?? []),
      });
      queued = bucket?.queuedLast ?? queued;
    }
    const full = seconds.slice(0, -1);
    const all = (kind: 'wait' | 'run'): number[] => this.buckets.flatMap((bucket) => bucket[kind].values);
    return {
      seconds,
      jobsPerSec: Math.round((full.reduce((sum, point) => sum + point.completed, 0) / full.length) * 10) / 10,
      waitMs: percentiles(all('wait')),
      runMs: percentiles(all('run')),
    };
  }

  private record(event: PoolEvent): void {
    const bucket = this.bucketAt(Math.floor(event.at / 1000));
    switch (event.type) {
      case 'job-started':
        bucket.wait.add(event.waitMs);
        break;
      case 'job-done':
        bucket.completed++;
        bucket.run.add(event.runMs);
        break;
      case 'job-failed':
      case 'job-panicked':
        bucket.failed++;
        break;
    }
    bucket.queuedLast = this.pool.status().queued;
    bucket.queuedMax = Math.max(bucket.queuedMax, bucket.queuedLast);
  }

  private bucketAt(t: number): Bucket {
    const last = this.buckets.at(-1);
    if (last && last.t === t) return last;
    // Events arrive in order; one stamped a little earlier than the last bucket joins it.
    if (last && last.t > t) return last;
    const queuedLast = last?.queuedLast ?? this.queuedBefore;
    const bucket: Bucket = {
      t,
      completed: 0,
      failed: 0,
      queuedMax: queuedLast,
      queuedLast,
      wait: new Samples(),
      run: new Samples(),
    };
    this.buckets.push(bucket);
    this.prune(t);
    return bucket;
  }

  private prune(current: number): void {
    const oldest = current - HISTORY_SECONDS + 1;
    while (this.buckets.length > 0 && this.buckets[0].t < oldest) this.queuedBefore = this.buckets.shift()!.queuedLast;
  }
}
