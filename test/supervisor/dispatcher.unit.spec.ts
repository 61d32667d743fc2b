import { describe, expect, it } from '@jest/globals';
import { MAX_PREFETCH } from '../../lib/protocol/lanes';
import { Dispatcher } from '../../lib/supervisor/dispatcher';
import { Job } from '../../lib/supervisor/job';
import { WorkerHandle } from '../../lib/supervisor/worker-handle';
import {
  DEFAULT_SETTINGS,
  NO_CANCELLER,
  QUIET_LISTENER,
  QUIET_SINK,
  scriptedThreads,
  SPEC,
  type ScriptedThread,
} from './scripted-thread';

let nextJob = 1;
function job(): Job {
  const n = nextJob++;
  return new Job(
    { kind: 'function', source: '() => 0' },
    [n],
    `job ${n}`,
    QUIET_SINK,
    [],
    DEFAULT_SETTINGS,
    NO_CANCELLER,
  );
}

/** A dispatcher over `count` workers whose threads the test plays; `started` records who started what. */
function setUp(count: number) {
  let killing = false;
  const { factory, threads } = scriptedThreads();
  const workers: WorkerHandle[] = [];
  for (let id = 1; id <= count; id++) workers.push(new WorkerHandle(id, SPEC, QUIET_LISTENER, factory));
  const started: [number, Job][] = [];
  const dispatcher = new Dispatcher({
    priorityAging: 1_000,
    panicOnError: false,
    recycleAfterJobs: undefined,
    workers,
    killing: () => killing,
    started: (worker, j) => started.push([worker.id, j]),
    checkSaturation: () => undefined,
    unsendable: () => undefined,
  });
  const thread = (worker: WorkerHandle): ScriptedThread => threads.get(worker.id)!;
  const queue = (n: number): Job[] => Array.from({ length: n }, () => job()).map((j) => (dispatcher.enqueue(j), j));
  const kill = (): void => void (killing = true);
  return { dispatcher, workers, started, thread, queue, kill };
}

describe('Dispatcher (through the thread seam, no threads)', () => {
  it('places the next queued job on a free worker, with one sent ahead while runs are a millisecond', () => {
    const { dispatcher, workers, started, thread, queue } = setUp(1);
    const [first, second, third] = queue(3);
    expect(dispatcher.feed(workers[0])).toBe(true);
    // One message: the first to run now, the second to start after it.
    expect(thread(workers[0]).batches).toHaveLength(1);
    expect(thread(workers[0]).runs).toEqual([first.id, second.id]);
    expect(workers[0].job).toBe(first);
    expect(workers[0].prefetched).toEqual([second]);
    expect([first.state, second.state, third.state]).toEqual(['running', 'prefetched', 'queued']);
    expect(started).toEqual([[1, first]]);
    expect({ queued: dispatcher.queued, waiting: dispatcher.waiting }).toEqual({ queued: 1, waiting: 2 });
  });

  it(`sends up to ${MAX_PREFETCH} ahead once runs are tiny, in one message, and tops up at half`, () => {
    const { dispatcher, workers, thread, queue } = setUp(1);
    for (let i = 0; i < 40; i++) dispatcher.recordRun(0);
    const jobs = queue(MAX_PREFETCH * 2 + 1);
    dispatcher.feed(workers[0]);
    expect(thread(workers[0]).runs).toEqual(jobs.slice(0, 1 + MAX_PREFETCH).map((j) => j.id));
    expect(workers[0].prefetched).toHaveLength(MAX_PREFETCH);
    // Not yet down to half: nothing more is sent.
    dispatcher.topUp(workers[0]);
    expect(thread(workers[0]).batches).toHaveLength(1);
    // The worker starts half of them: the supervisor then sends as many more, in one message.
    workers[0].endJob(true);
    for (let i = 0; i < MAX_PREFETCH / 2; i++) {
      expect(thread(workers[0]).claim(workers[0].prefetched[0])).toBe(true);
      dispatcher.promote(workers[0]);
      if (i < MAX_PREFETCH / 2 - 1) workers[0].endJob(true);
    }
    dispatcher.topUp(workers[0]);
    expect(thread(workers[0]).batches).toHaveLength(2);
    expect(workers[0].prefetched).toHaveLength(MAX_PREFETCH);
  });

  it('takes back the jobs sent ahead that the worker has not started, to the head of the queue, in order', () => {
    const { dispatcher, workers, thread, queue } = setUp(2);
    for (let i = 0; i < 40; i++) dispatcher.recordRun(0);
    const [running, claimed, back1, back2] = queue(4);
    dispatcher.feed(workers[0]);
    expect(workers[0].prefetched).toEqual([claimed, back1, back2]);
    // The worker has started (claimed) the first one sent ahead, its status not yet in.
    expect(thread(workers[0]).claim(claimed)).toBe(true);
    const [later] = queue(1);
    dispatcher.takeBackPrefetched(workers[0]);
    expect(workers[0].prefetched).toEqual([claimed]);
    expect([back1.state, back2.state]).toEqual(['queued', 'queued']);
    expect(running.state).toBe('running');
    // Taken-back jobs go before ones queued after them.
    dispatcher.feed(workers[1]);
    expect(thread(workers[1]).runs.slice(0, 3)).toEqual([back1.id, back2.id, later.id]);
  });

  it('lets a free worker take over the last job waiting behind a busy one, unless Kill is winding down', () => {
    const { dispatcher, workers, thread, queue } = setUp(2);
    const [slow, behind] = queue(2);
    dispatcher.feed(workers[0]);
    expect(workers[0].prefetched).toEqual([behind]);
    expect(dispatcher.feed(workers[1])).toBe(true);
    expect(thread(workers[1]).runs).toEqual([behind.id]);
    expect(workers[1].job).toBe(behind);
    expect(workers[0].prefetched).toEqual([]);
    expect(slow.state).toBe('running');
    expect(dispatcher.waiting).toBe(0);

    const killed = setUp(2);
    const [, held] = killed.queue(2);
    killed.dispatcher.feed(killed.workers[0]);
    killed.kill();
    expect(killed.dispatcher.feed(killed.workers[1])).toBe(false);
    expect(killed.workers[0].prefetched).toEqual([held]);
  });

  it('cannot take over a job the busy worker has already started', () => {
    const { dispatcher, workers, thread, queue } = setUp(2);
    const [, behind] = queue(2);
    dispatcher.feed(workers[0]);
    expect(thread(workers[0]).claim(behind)).toBe(true);
    expect(dispatcher.feed(workers[1])).toBe(false);
    expect(thread(workers[1]).batches).toEqual([]);
    expect(workers[0].prefetched).toEqual([behind]);
  });
});
