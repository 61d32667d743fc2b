import type { Queue } from 'bullmq';
import type { QueueCounts } from '../interfaces/pool-stats.interface';

/** How stale the counts may be: `stats()` is called by dashboards and metrics scrapes, Redis is asked at most this often. */
const MAX_AGE_MS = 1_000;

/**
 * The shared queue's counts for `stats().queue`: the last read, and a new read started when it is older than a
 * second (`stats()` is synchronous, so a read lands in the next call).
 */
export class QueueCountsReader {
  private counts: Omit<QueueCounts, 'reachable'> = { waiting: 0, active: 0, delayed: 0, failed: 0, readAt: 0 };
  private reading: Promise<void> | undefined;
  private askedAt = 0;

  constructor(private readonly queue: Queue) {}

  /** The last counts read; starts a read if they are stale. */
  current(): Omit<QueueCounts, 'reachable'> {
    if (!this.reading && Date.now() - this.askedAt >= MAX_AGE_MS) void this.read();
    return this.counts;
  }

  /** Reads the counts now (the first read, before the pool serves). */
  read(): Promise<void> {
    this.askedAt = Date.now();
    this.reading ??= this.queue
      .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed')
      .then((counts) => {
        this.counts = {
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          readAt: Date.now(),
        };
      })
      .catch(() => undefined) // unreachable now: the counts stay as last read (see `readAt`)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
