import type { JobTarget } from '../protocol/messages';
import type { Job } from './job';

/**
 * The provider targets one worker was sent, by number: from the second job of a provider method on, the
 * worker is sent the number instead of the target, one clone of an object and three strings fewer per job.
 * (A provider method's target is one object per pool, see job-catalog.ts.) Function targets are sent whole:
 * each is a new object, and the worker keeps only recent ones compiled.
 */
export class TargetNumbers {
  private readonly numbers = new Map<JobTarget, number>();
  /** Targets numbered for the message being built (known to the worker once it is posted). */
  private readonly unsent: JobTarget[] = [];

  /**
   * Adds `job` to the `run` instruction being built, naming its target by number where the worker knows it.
   * `first`: it is the first of a new message, and so the message before it was posted or given up (`notPosted`).
   */
  write(job: Job, jobs: unknown[], first: boolean): void {
    if (first) this.unsent.length = 0;
    const { target } = job;
    if (target.kind !== 'provider') return job.writeRun(jobs);
    const known = this.numbers.get(target);
    if (known !== undefined) return job.writeRun(jobs, known);
    const number = this.numbers.size;
    this.numbers.set(target, number);
    this.unsent.push(target);
    job.writeRun(jobs, target, number);
  }

  /** The message could not be posted: the worker never heard of the numbers it gave. */
  notPosted(): void {
    for (const target of this.unsent) this.numbers.delete(target);
    this.unsent.length = 0;
  }
}
