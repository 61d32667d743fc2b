import { JobPanicError } from '../errors/job-panic.error';
import type { Dispatcher } from './dispatcher';
import type { Job } from './job';
import type { SupervisorLogger } from './supervisor-options';
import type { WorkerHandle, WorkerListener } from './worker-handle';

/** What stopping a cancelled job takes from the supervisor. */
export interface CancellationOptions {
  readonly cancelGrace: number;
  readonly logger: SupervisorLogger;
  readonly dispatcher: Dispatcher;
  /** The supervisor's workers, as it keeps them (slots are replaced in place). */
  readonly workers: readonly WorkerHandle[];
  /** Hears the statuses a worker has sent meanwhile. */
  readonly listener: WorkerListener;
  /** The worker no longer runs its job (given up on): returns that job. */
  readonly endRun: (worker: WorkerHandle) => Job | undefined;
  readonly notifyIfDrained: () => void;
}

/**
 * Takes a cancelled job back if it has not started, or tells its worker to stop it; a worker whose job has not
 * stopped within `cancelGrace` is terminated (and replaced from its exit).
 */
export class Cancellation {
  constructor(private readonly options: CancellationOptions) {}

  /** True if the job was taken back (it never started); else its worker has been told to stop it. */
  withdrawOrStop(job: Job): boolean {
    const { dispatcher, workers } = this.options;
    switch (job.state) {
      case 'queued':
        return dispatcher.withdrawQueued(job);
      case 'sending':
        // Taken off the queue by a dispatch that is running caller code: it is not sent.
        return job.moveTo('withdrawn');
      case 'prefetched': {
        const holder = workers.find((w) => w.prefetched.includes(job));
        if (holder !== undefined && dispatcher.reclaim(holder, job)) return job.moveTo('withdrawn');
        // Its worker has started it already: tell it to stop; the grace period starts once it is its current job.
        holder?.send({ kind: 'cancel', id: job.id });
        return false;
      }
      case 'running': {
        const worker = workers.find((w) => w.job === job);
        if (worker && !worker.cancelling) {
          worker.send({ kind: 'cancel', id: job.id });
          this.armGrace(worker, job);
        }
        return false;
      }
      default:
        return false;
    }
  }

  /** Gives `worker` the grace period to stop `job`, its current one, and ends the worker if it has not. */
  armGrace(worker: WorkerHandle, job: Job): void {
    const { cancelGrace, logger, dispatcher, listener } = this.options;
    worker.armCancelGrace(cancelGrace, () => {
      // A status on its way may say the job has stopped after all.
      worker.receivePending(listener);
      listener.onStatusesHandled(worker);
      if (worker.job !== job) return;
      logger.warn(
        `${job.label} did not stop within ${cancelGrace} ms of being cancelled; replacing worker ${worker.id}`,
      );
      this.options.endRun(worker);
      dispatcher.takeBackPrefetched(worker);
      // Jobs it has started since are lost with it (it had ended the job after all, its status not yet in).
      for (const lost of dispatcher.forgetStarted(worker)) {
        lost.fail(
          new JobPanicError(`Job ${lost.label} was lost: its worker was terminated to stop ${job.label}`, worker.id),
        );
      }
      void worker.terminate('cancelled-job');
      this.options.notifyIfDrained();
    });
  }
}
