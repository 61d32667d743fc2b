import { describe, expect, it } from '@jest/globals';
import type { JobRun, JobTarget } from '../../lib/protocol/messages';
import { Job } from '../../lib/supervisor/job';
import { WorkerHandle } from '../../lib/supervisor/worker-handle';
import { DEFAULT_SETTINGS, NO_CANCELLER, QUIET_LISTENER, QUIET_SINK, scriptedThreads, SPEC } from './scripted-thread';

/** One object per provider method and pool, as the job catalog keeps them. */
const COUNT: JobTarget = { kind: 'provider', job: 'PrimesJobs', method: 'countPrimes' };
const ECHO: JobTarget = { kind: 'provider', job: 'BehaviourJobs', method: 'echo' };

function job(target: JobTarget): Job {
  const made = new Job(target, [1], 'a job', QUIET_SINK, [], DEFAULT_SETTINGS, NO_CANCELLER);
  made.mustMoveTo('sending');
  return made;
}

/** Workers on scripted threads; `sent(worker)` is what its thread was told to run, target and number. */
function setUp() {
  const { factory, threads } = scriptedThreads();
  const workers = [1, 2].map((id) => new WorkerHandle(id, SPEC, QUIET_LISTENER, factory));
  const sent = (worker: WorkerHandle): Partial<Pick<JobRun, 'target' | 'remember'>>[] =>
    threads
      .get(worker.id)!
      .jobRuns.map(({ target, remember }) => (remember === undefined ? { target } : { target, remember }));
  /** Gives `worker` jobs in one message, then ends them all, so that it can be given more. */
  const run = (worker: WorkerHandle, ...targets: JobTarget[]): void => {
    worker.assign(targets.map(job));
    while (worker.endJob(true)) worker.advance();
  };
  return { workers, threads, sent, run };
}

describe('Provider targets by number (through the thread seam, no threads)', () => {
  it('sends a provider target whole once per worker, then by the number it gave it', () => {
    const { workers, sent, run } = setUp();
    run(workers[0], COUNT);
    run(workers[0], COUNT, ECHO, COUNT);
    run(workers[1], ECHO);
    expect(sent(workers[0])).toEqual([
      { target: COUNT, remember: 0 },
      { target: 0 },
      { target: ECHO, remember: 1 },
      { target: 0 },
    ]);
    // Each worker has numbers of its own: a replacement knows none.
    expect(sent(workers[1])).toEqual([{ target: ECHO, remember: 0 }]);
  });

  it('sends function targets whole every time', () => {
    const { workers, sent, run } = setUp();
    const fn: JobTarget = { kind: 'function', source: '() => 1' };
    run(workers[0], fn);
    run(workers[0], fn);
    expect(sent(workers[0])).toEqual([{ target: fn }, { target: fn }]);
  });

  it('keeps no number from a message that could not be posted: the worker never heard of it', () => {
    const { workers, threads, sent, run } = setUp();
    const thread = threads.get(workers[0].id)!;
    const post = thread.post.bind(thread);
    thread.post = () => {
      throw new DOMException('could not be cloned', 'DataCloneError');
    };
    expect(() => workers[0].assign([job(COUNT)])).toThrow('could not be cloned');
    thread.post = post;
    run(workers[0], ECHO);
    run(workers[0], COUNT);
    expect(sent(workers[0])).toEqual([
      { target: ECHO, remember: 0 },
      { target: COUNT, remember: 1 },
    ]);
  });
});
