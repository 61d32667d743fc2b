import { JobPanicError } from '../errors/job-panic.error';
import { WorkerBootError } from '../errors/worker-boot.error';
import { PanicSwitch } from '../panic-switch.enum';
import { describeUncaught } from '../protocol/error-codec';
import type { Job } from './job';
import type { SupervisorCore } from './supervisor-core';
import type { WorkerExit, WorkerHandle } from './worker-handle';

/**
 * Workers that end: a requested exit is refilled, a boot failure retried with backoff, any other exit is a
 * panic for the jobs it held, handled by the PanicSwitch (Respawn: a fresh worker; Kill: the pool winds down).
 */
export class Panics {
  constructor(private readonly core: SupervisorCore) {}

  /** Judges a worker's exit (after its last statuses were handled). */
  exited(worker: WorkerHandle, exit: WorkerExit): void {
    const { core } = this;
    core.slots.unpark(worker);
    core.journal.workerDown(worker.id, exit.requested ? exit.reason : worker.booted ? 'panic' : 'boot-failed');
    if (exit.requested) return this.replaceIfNeeded(worker);
    if (!worker.booted) {
      const cause = exit.bootError ?? exit.error ?? new Error(`the worker exited with code ${exit.code} while booting`);
      return this.bootFailed(worker, cause);
    }
    const job = core.endRun(worker);
    // (What a worker threw reaches this thread as whatever could be cloned of it: not always an Error.)
    const why = exit.error
      ? `its worker died of an uncaught ${describeUncaught(exit.error)}`
      : `its worker exited with code ${exit.code}`;
    core.dispatcher.takeBackPrefetched(worker);
    const started = core.dispatcher.forgetStarted(worker);
    this.panic(worker, job, why, exit.error);
    // A prefetched job the worker had started died with it; it is failed, not run again.
    for (const lost of started) this.panic(worker, lost, why, exit.error);
  }

  panic(worker: WorkerHandle, job: Job | undefined, why: string, cause: Error | undefined): void {
    const { core } = this;
    core.panics++;
    if (job) core.journal.panicked(job, worker.id, why);
    const what = job ? `Job ${job.label}` : `Worker ${worker.id} (idle)`;
    const message = `${what} panicked: ${why}`;
    const kill = core.options.panicSwitch === PanicSwitch.Kill;
    core.options.logger.error(`${message} [PanicSwitch.${kill ? 'Kill' : 'Respawn'}]`);
    job?.fail(new JobPanicError(message, worker.id, { cause }));
    if (kill) {
      this.beginKill(message);
    } else if (worker.state === 'exited') {
      this.replaceIfNeeded(worker);
    }
    // Under Respawn a worker still alive (panicOnError) is replaced from onExit once terminated.
    core.notifyIfDrained();
  }

  /** Under Kill: the pool is ended once no worker runs a job any more. */
  finishKillIfDone(): void {
    const { core } = this;
    if (!core.kill.thrown || core.busy > 0 || core.state !== 'killing') return;
    core.state = 'killed';
    core.kill.finish(core.slots.all, core.options.logger, core.options.onKill);
    core.notifyIfDrained();
  }

  /** Puts a fresh worker in the slot of one that ended, unless the pool is winding down. */
  private replaceIfNeeded(worker: WorkerHandle): void {
    const { core } = this;
    if (core.taking || (core.state === 'closing' && core.dispatcher.queued > 0)) core.slots.replace(worker);
  }

  private bootFailed(worker: WorkerHandle, cause: Error): void {
    const { core } = this;
    const phase = (cause as { bootPhase?: unknown }).bootPhase;
    const where = typeof phase === 'string' ? `${phase}: ` : '';
    const error = new WorkerBootError(`Worker ${worker.id} could not boot the job context: ${where}${cause.message}`, {
      cause,
    });
    if (core.startup) {
      const { reject } = core.startup;
      core.startup = undefined;
      core.failQueued(() => error);
      reject(error);
      return;
    }
    // Back off, so a job module that cannot boot does not spin the CPU in a respawn loop.
    const delay = core.slots.backoff();
    const live = core.slots.live;
    const retry = core.slots.holds(worker) && core.taking;
    // The delay is logged: the operator sees the backoff, and a test can read it rather than time it.
    core.options.logger.error(
      `${error.message}${live ? '' : '; no worker is left to run the queued jobs'}${retry ? `; retrying in ${delay} ms` : ''}`,
    );
    if (!live) core.failQueued(() => error);
    if (retry) core.slots.respawnLater(worker, delay, () => core.taking);
  }

  private beginKill(reason: string): void {
    const { core } = this;
    if (core.kill.panicked(reason)) {
      core.state = 'killing';
      // Prefetched jobs not yet started are queued jobs too; ones already started run to their end.
      for (const worker of core.slots.all) core.dispatcher.takeBackPrefetched(worker);
      core.kill.refused(core.failQueued((job) => core.refusal(job)));
    }
    this.finishKillIfDone();
  }
}
