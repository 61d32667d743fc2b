import { JobQueueTimeoutError } from '../errors/job-queue-timeout.error';
import { JobTimeoutError } from '../errors/job-timeout.error';
import type { Job } from './job';

/** setTimeout takes at most 2^31-1 ms; a longer timeout means none. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Arms a queued job's queue timeout (the job's own timer: cleared once it runs or is withdrawn). `onTimeout`
 * gets the error to cancel it with. Timers run on a clock of their own and can fire a millisecond before
 * Date.now() says the time is up: then the rest is waited out, so `waitedMs` is never below the timeout.
 */
export function armQueueTimeout(job: Job, onTimeout: (error: Error) => void, ms = job.settings.queueTimeout): void {
  const { queueTimeout } = job.settings;
  if (ms === undefined || queueTimeout === undefined || ms > MAX_TIMER_MS) return;
  job.arm(ms, () => {
    if (job.state !== 'queued' && job.state !== 'prefetched') return;
    const waited = Date.now() - job.queuedAt;
    if (waited < queueTimeout) return armQueueTimeout(job, onTimeout, queueTimeout - waited);
    onTimeout(
      new JobQueueTimeoutError(
        `${job.label} waited ${waited} ms in the queue without a free worker (queueTimeout ${queueTimeout} ms)`,
        waited,
      ),
    );
  });
}

/** Arms a started job's run timeout, as `armQueueTimeout` does its queue timeout. */
export function armRunTimeout(job: Job, onTimeout: (error: Error) => void, ms = job.settings.timeout): void {
  const { timeout } = job.settings;
  if (ms === undefined || timeout === undefined || ms > MAX_TIMER_MS) return;
  job.arm(ms, () => {
    if (job.state !== 'running') return;
    const ran = Date.now() - job.startedAt;
    if (ran < timeout) return armRunTimeout(job, onTimeout, timeout - ran);
    const waited = job.startedAt - job.queuedAt;
    onTimeout(
      new JobTimeoutError(
        `${job.label} timed out after running for ${ran} ms (timeout ${timeout} ms; it had waited ${waited} ms in the queue)`,
        ran,
        waited,
      ),
    );
  });
}
