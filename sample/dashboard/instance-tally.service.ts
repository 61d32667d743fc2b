import { Injectable } from '@nestjs/common';
import { instanceName } from '../instance.js';

/** How many of this instance's demo-load jobs an instance ran. */
export interface InstanceCount {
  readonly instance: string;
  readonly jobs: number;
}

/**
 * Which instance ran the demo-load jobs that this instance submitted, from the results (each names the instance
 * it ran on). Locally that is always this one; with REDIS_URL set, every instance that consumes the queue.
 */
@Injectable()
export class InstanceTally {
  /** This instance's own name. */
  readonly self = instanceName();
  private readonly counts = new Map<string, number>();

  record(instance: string): void {
    this.counts.set(instance, (this.counts.get(instance) ?? 0) + 1);
  }

  /** By instance name, so that the dashboard's rows keep their places. */
  snapshot(): InstanceCount[] {
    return [...this.counts]
      .map(([instance, jobs]) => ({ instance, jobs }))
      .sort((a, b) => a.instance.localeCompare(b.instance));
  }
}
