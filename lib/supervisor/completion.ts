import { decodeError } from '../protocol/error-codec';
import type { Status } from '../protocol/messages';
import type { Panics } from './panics';
import type { SupervisorCore } from './supervisor-core';
import type { WorkerHandle } from './worker-handle';

/**
 * A job's end as its worker reports it: the worker goes on first (its next prefetched job, the queue's next,
 * recycling, or idle), then the job is counted and its caller hears of it.
 */
export class Completion {
  constructor(
    private readonly core: SupervisorCore,
    private readonly panics: Panics,
  ) {}

  jobEnded(worker: WorkerHandle, status: Status & { kind: 'done' | 'failed' }): void {
    const { core } = this;
    if (worker.job?.id !== status.id) return; // a job already given up on (timed out and replaced)
    const job = core.endRun(worker, true)!;
    core.dispatcher.recordRun(performance.now() - job.startedClock);
    const panics = status.kind === 'failed' && core.options.panicOnError && !job.closed;
    if (panics) {
      // (No job is prefetched under panicOnError: a worker that may be polluted starts nothing more.)
      const error = decodeError(status.error);
      this.panics.panic(worker, job, `threw ${error.name}: ${error.message} (panicOnError is set)`, error);
      void worker.terminate('panic');
      return;
    }
    const { recycleAfterJobs } = core.options;
    if (status.retire || (recycleAfterJobs !== undefined && worker.jobsRun >= recycleAfterJobs)) {
      core.dispatcher.takeBackPrefetched(worker);
      if (worker.prefetched.length > 0) worker.retireWhenDone();
    }
    // Read after its thread ended (WorkerHandle's exit): of the jobs sent ahead, only those it started stay its.
    const gone = worker.state === 'exited';
    if (gone) core.dispatcher.takeBackPrefetched(worker);
    // The worker goes on before the caller hears of this job: it need not wait on caller code.
    if (worker.prefetched.length > 0) {
      this.promote(worker);
    } else if (gone) {
      // onExit, next, judges the worker.
    } else if (core.kill.thrown) {
      core.slots.park(worker);
    } else if (
      worker.retiring ||
      status.retire ||
      (recycleAfterJobs !== undefined && worker.jobsRun >= recycleAfterJobs)
    ) {
      this.retire(worker);
    } else {
      this.feed(worker);
    }
    core.kill.jobFinished();
    // Counted (and told to events$ subscribers) once the worker has gone on: a snapshot taken then is whole.
    core.journal.ended(job, worker.id, status.kind === 'failed' ? status.error : undefined);
    if (status.kind === 'failed') job.fail(decodeError(status.error));
    else if (status.streamed) job.complete();
    else job.succeed(status.value);
    if (core.kill.thrown) this.panics.finishKillIfDone();
  }

  /** Gives a free worker the next queued job (and one to prefetch), or a job waiting behind another worker, or parks it. */
  feed(worker: WorkerHandle): void {
    const { core } = this;
    // (A status read after its thread ended: onExit, next, replaces it.)
    if (worker.state === 'exited' || core.dispatcher.feed(worker)) return;
    core.slots.park(worker);
    core.checkSaturation();
    core.notifyIfDrained();
  }

  /** The worker has started its first prefetched job: it is now its current one (topped up in onStatusesHandled). */
  private promote(worker: WorkerHandle): void {
    const job = this.core.dispatcher.promote(worker);
    // Cancelled once its worker had started it: it was told to stop then.
    if (job.cancelled) this.core.cancellation.armGrace(worker, job);
  }

  /** Replaces a worker that has done its share (recycling); its replacement boots while it exits. */
  private retire(worker: WorkerHandle): void {
    const { core } = this;
    core.slots.recycle(worker, core.state === 'running' || core.state === 'closing');
    core.notifyIfDrained();
  }
}
