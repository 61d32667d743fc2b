import { describe, expect, it } from '@jest/globals';
import { PoolQueueFullError } from '../../lib/errors/pool-queue-full.error';
import { PanicSwitch } from '../../lib/panic-switch.enum';
import { Job, type JobSink } from '../../lib/supervisor/job';
import { Supervisor, type SupervisorOptions } from '../../lib/supervisor/supervisor';
import { scriptedThreads, SPEC } from './scripted-thread';

/** What a job's caller heard. */
interface Heard {
  readonly values: unknown[];
  error?: unknown;
  completed: boolean;
}

function setUp(overrides: Partial<SupervisorOptions> = {}) {
  const { factory, threads } = scriptedThreads();
  const logged: string[] = [];
  const logger = { log: () => undefined, warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
  const supervisor = new Supervisor({
    size: 1,
    readyWhen: 'all',
    panicSwitch: PanicSwitch.Respawn,
    panicOnError: false,
    shutdownTimeout: 60_000,
    cancelGrace: 60_000,
    maxQueue: undefined,
    priorityAging: 60_000,
    recycleAfterJobs: undefined,
    onKill: () => undefined,
    onSaturation: () => undefined,
    onEvent: () => undefined,
    eventsObserved: () => false,
    onWorkerLog: () => undefined,
    logger,
    createThread: factory,
    ...overrides,
  });
  const submit = (n: number, priority = 0): { job: Job; heard: Heard } => {
    const heard: Heard = { values: [], completed: false };
    const sink: JobSink = {
      next: (value) => heard.values.push(value),
      complete: () => (heard.completed = true),
      error: (error) => (heard.error = error),
    };
    const settings = { priority, timeout: undefined, queueTimeout: undefined, onProgress: undefined };
    const job = new Job({ kind: 'function', source: '() => 0' }, [n], `job ${n}`, sink, [], settings, supervisor);
    supervisor.submit(job);
    return { job, heard };
  };
  return { supervisor, threads, submit, logged };
}

describe('Supervisor and its queue (through the thread seam, no threads)', () => {
  it('starts once its worker says ready, and runs queued jobs by priority as the worker asks', async () => {
    const { supervisor, threads, submit } = setUp();
    const started = supervisor.start(SPEC);
    const thread = threads.get(1)!;
    expect(supervisor.status()).toMatchObject({ state: 'starting', starting: 1 });
    thread.says({ kind: 'ready' });
    await started;
    expect(supervisor.status()).toMatchObject({ state: 'running', idle: 1, busy: 0 });

    const a = submit(1);
    const low = submit(2, 0);
    const high = submit(3, 5);
    const last = submit(4, 0);
    // The idle worker took the first at once; the rest wait in the queue, the higher priority first.
    expect(thread.runs).toEqual([a.job.id]);
    expect(supervisor.status()).toMatchObject({ busy: 1, queued: 3 });

    thread.says({ kind: 'done', id: a.job.id, value: 'a' });
    expect(a.heard).toEqual({ values: ['a'], completed: true });
    // Its next job and one sent ahead (runs of about a millisecond), in one message.
    expect(thread.runs).toEqual([a.job.id, high.job.id, low.job.id]);
    expect(thread.batches).toHaveLength(2);

    // The worker starts the one sent ahead as the other ends: the supervisor tops it up with the last.
    expect(thread.claim(low.job)).toBe(true);
    thread.says({ kind: 'done', id: high.job.id, value: 'high' });
    expect(thread.runs).toEqual([a.job.id, high.job.id, low.job.id, last.job.id]);
    thread.says({ kind: 'done', id: low.job.id, value: 'low' });
    expect(thread.claim(last.job)).toBe(true);
    thread.says({ kind: 'done', id: last.job.id, value: 'last' });
    expect([high, low, last].map((j) => j.heard.values)).toEqual([['high'], ['low'], ['last']]);
    expect(supervisor.status()).toMatchObject({ idle: 1, busy: 0, queued: 0 });
    expect(supervisor.stats().jobs).toMatchObject({ completed: 4, failed: 0 });

    const closed = supervisor.close();
    // Nothing is left to finish: the worker is told to exit (once the close has taken its turns).
    await new Promise(setImmediate);
    expect(thread.instructions.at(-1)).toEqual({ kind: 'exit' });
    thread.exits(0);
    await closed;
    expect(supervisor.status().state).toBe('closed');
  });

  it('takes a cancelled job off the queue unsent, and refuses past maxQueue, naming the limit', async () => {
    const { supervisor, threads, submit } = setUp({ maxQueue: 2 });
    const started = supervisor.start(SPEC);
    const thread = threads.get(1)!;
    thread.says({ kind: 'ready' });
    await started;
    const running = submit(1);
    const cancelled = submit(2);
    const kept = submit(3);
    const refused = submit(4);
    expect(refused.heard.error).toBeInstanceOf(PoolQueueFullError);
    expect(String(refused.heard.error)).toMatch(/already holds 2 jobs \(maxQueue\)/);

    supervisor.cancel(cancelled.job);
    expect(cancelled.job.state).toBe('withdrawn');
    expect(supervisor.status().queued).toBe(1);
    thread.says({ kind: 'done', id: running.job.id, value: 1 });
    expect(thread.runs).toEqual([running.job.id, kept.job.id]);
    thread.says({ kind: 'done', id: kept.job.id, value: 3 });
    expect(cancelled.heard).toEqual({ values: [], completed: false });
    expect(supervisor.stats().jobs).toMatchObject({ completed: 2, cancelled: 1, refused: 1 });

    const closed = supervisor.close();
    await new Promise(setImmediate);
    thread.exits(0);
    await closed;
  });
});
