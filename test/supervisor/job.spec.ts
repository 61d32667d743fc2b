import { Job, type JobSettings } from '../../lib/supervisor/job';

const settings: JobSettings = { priority: 0, timeout: undefined, queueTimeout: undefined, onProgress: undefined };
const newJob = (): Job =>
  new Job({ kind: 'function', source: '() => 0' }, [], 'job', { next() {}, complete() {}, error() {} }, [], settings, {
    cancel() {},
  });

describe('Job states', () => {
  it('moves only as its table allows: a withdrawn or ended job stays so', () => {
    const job = newJob();
    expect(job.moveTo('queued')).toBe(true);
    expect(job.moveTo('running')).toBe(false); // a queued job is taken off the queue (sending) first
    expect(job.moveTo('withdrawn')).toBe(true);
    expect(job.moveTo('withdrawn')).toBe(false);
    expect(job.moveTo('queued')).toBe(false);
    expect(job.state).toBe('withdrawn');
    expect(() => job.mustMoveTo('sending')).toThrow(/cannot move from withdrawn to sending/);
  });

  it('keeps its queue timer while it waits, and clears it once it runs or is withdrawn', async () => {
    const fired: string[] = [];
    const running = newJob();
    running.mustMoveTo('queued');
    running.arm(1, () => fired.push('running'));
    running.mustMoveTo('sending');
    running.mustMoveTo('prefetched');
    running.mustMoveTo('running');
    const waiting = newJob();
    waiting.mustMoveTo('queued');
    waiting.arm(1, () => fired.push('waiting'));
    waiting.mustMoveTo('sending');
    const withdrawn = newJob();
    withdrawn.mustMoveTo('queued');
    withdrawn.arm(1, () => fired.push('withdrawn'));
    withdrawn.mustMoveTo('withdrawn');
    // A later timer: Node runs expired timers in order, so the 1 ms ones have fired (or been cleared) by then.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(['waiting']);
  });
});
