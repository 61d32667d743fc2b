import { PoolClosedError } from '../errors/pool-closed.error';
import { PoolShutdownTimeoutError } from '../errors/pool-shutdown-timeout.error';
import { MAX_TIMER_MS } from './job-timeouts';
import type { SupervisorCore } from './supervisor-core';

/** Waits for `join()` or for `timeoutMs`, whichever comes first; true if the timeout ran out first. */
export async function timedOutJoining(join: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    join().then(() => false),
    new Promise<boolean>((resolve) => {
      // setTimeout takes at most 2^31-1 ms; a longer (or infinite) timeout means waiting for ever.
      if (timeoutMs <= MAX_TIMER_MS) timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return timedOut;
}

/** Fails every queued and running job once the shutdown timeout has run out; a running job's worker is ended. */
function abandonJobs(core: SupervisorCore): void {
  const { dispatcher, journal } = core;
  const workers = core.slots.all;
  const timeout = core.options.shutdownTimeout;
  for (const worker of workers) dispatcher.takeBackPrefetched(worker);
  core.failQueued(
    (job) =>
      new PoolShutdownTimeoutError(`${job.label} had not started when the ${timeout} ms shutdown timeout ran out`),
  );
  workers.forEach((worker) => {
    for (const job of [core.endRun(worker), ...dispatcher.forgetStarted(worker)]) {
      if (!job) continue;
      const error = new PoolShutdownTimeoutError(
        `${job.label} was still running when the ${timeout} ms shutdown timeout ran out`,
      );
      journal.failed(job, error);
      job.fail(error);
      void worker.terminate();
    }
  });
}

/** Finishes every submitted job (within `shutdownTimeout`), fails what is left, then stops the workers. */
export async function shutDown(core: SupervisorCore): Promise<void> {
  if (core.taking) core.state = 'closing';
  core.slots.cancelRespawns();
  if (core.startup) {
    core.startup.reject(new PoolClosedError('The pool was closed before its workers had booted'));
    core.startup = undefined;
  }
  if (await timedOutJoining(() => core.join(), core.options.shutdownTimeout)) {
    abandonJobs(core);
  }
  await Promise.all(core.slots.all.map((w) => w.stop()));
  if (core.state === 'closing') core.state = 'closed';
}
