/**
 * A job's outcome comes back from a worker's message port, outside any async context of the caller's. Every
 * callback to the caller (next, error, complete, stream items, onProgress) must still run in the context that
 * was active when the caller subscribed, so that AsyncLocalStorage users (nestjs-cls, OpenTelemetry,
 * request-scoped loggers) see their request in an RxJS operator or subscriber. `firstValueFrom` would restore the
 * context on its own (a promise keeps it), so these tests read the store inside the callbacks themselves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { map, tap, type Observable } from 'rxjs';
import { JobCancelledError, JobQueueTimeoutError, JobTimeoutError } from '../lib';
import { ControlJobs, ControlModule } from './fixtures/control.jobs';
import { startPoolApp, type PoolApp } from './fixtures/pool-app';
import { waitFor } from './fixtures/wait-for';

const request = new AsyncLocalStorage<string>();

/** Which callback ran, and the request it saw. */
type Seen = [callback: string, store: string | undefined];

interface Run {
  readonly seen: Seen[];
  readonly ended: Promise<{ error?: unknown }>;
}

/**
 * Subscribes inside `request.run(store)`, through `map` and `tap`, and records the store each callback sees.
 * The test awaits the outcome outside that context.
 */
function runIn(store: string, source: () => Observable<unknown>): Run {
  const seen: Seen[] = [];
  const note = (callback: string): void => {
    seen.push([callback, request.getStore()]);
  };
  let ended!: (outcome: { error?: unknown }) => void;
  const promise = new Promise<{ error?: unknown }>((resolve) => (ended = resolve));
  request.run(store, () =>
    source()
      .pipe(
        map((value) => {
          note('map');
          return value;
        }),
        tap({ next: () => note('tap next'), error: () => note('tap error'), complete: () => note('tap complete') }),
      )
      .subscribe({
        next: () => note('next'),
        error: (error: unknown) => {
          note('error');
          ended({ error });
        },
        complete: () => {
          note('complete');
          ended({});
        },
      }),
  );
  return { seen, ended: promise };
}

/** Every callback saw `store`, and the callbacks that ran are `expected` (in any order, with repeats). */
function expectAllIn(run: Run, store: string, expected: string[]): void {
  expect(run.seen.length).toBeGreaterThan(0);
  expect(run.seen.filter(([, seen]) => seen !== store)).toEqual([]);
  expect([...new Set(run.seen.map(([callback]) => callback))].sort()).toEqual([...expected].sort());
}

const shared = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * length));

describe('the caller’s async context', () => {
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: 2, cancelGrace: 2_000 }, [ControlModule]));
  });

  afterAll(async () => {
    await app.close();
  });

  it('is seen by next, complete, map and tap for a job’s result', async () => {
    const run = runIn('result', () => pool.execute(ControlJobs, 'spin', 1));
    expect(await run.ended).toEqual({});
    expectAllIn(run, 'result', ['map', 'tap next', 'next', 'tap complete', 'complete']);
  });

  it('is seen by every item of a stream, from an async generator and from an Observable', async () => {
    const generated = runIn('generator', () => pool.execute(ControlJobs, 'count', 40, shared(2)));
    const observed = runIn('observable', () => pool.execute(ControlJobs, 'ticks', 5));
    expect(await generated.ended).toEqual({});
    expect(await observed.ended).toEqual({});
    expectAllIn(generated, 'generator', ['map', 'tap next', 'next', 'tap complete', 'complete']);
    expect(generated.seen.filter(([callback]) => callback === 'next')).toHaveLength(40);
    expectAllIn(observed, 'observable', ['map', 'tap next', 'next', 'tap complete', 'complete']);
  });

  it('is seen by error, for a job that throws after streaming items', async () => {
    const run = runIn('throws', () => pool.execute(ControlJobs, 'failAfter', 3));
    expect((await run.ended).error).toBeInstanceOf(RangeError);
    expectAllIn(run, 'throws', ['map', 'tap next', 'next', 'tap error', 'error']);
  });

  it('is seen by onProgress', async () => {
    const progress: Seen[] = [];
    const onProgress = (): void => {
      progress.push(['onProgress', request.getStore()]);
    };
    const run = runIn('progress', () => pool.with({ onProgress }).execute(ControlJobs, 'withProgress', 3));
    expect(await run.ended).toEqual({});
    expect(progress).toEqual([
      ['onProgress', 'progress'],
      ['onProgress', 'progress'],
      ['onProgress', 'progress'],
    ]);
    expectAllIn(run, 'progress', ['map', 'tap next', 'next', 'tap complete', 'complete']);
  });

  it('keeps concurrent callers apart: each sees its own', async () => {
    const runs = Array.from({ length: 24 }, (_, i) => runIn(`caller ${i}`, () => pool.execute(ControlJobs, 'spin', 1)));
    await Promise.all(runs.map((run) => run.ended));
    runs.forEach((run, i) => expectAllIn(run, `caller ${i}`, ['map', 'tap next', 'next', 'tap complete', 'complete']));
  });

  it('is seen by error for JobCancelledError, though the AbortSignal aborts in another context', async () => {
    const controller = new AbortController();
    const flags = shared(1);
    const run = runIn('aborted', () =>
      pool.with({ signal: controller.signal }).execute(ControlJobs, 'cooperate', flags),
    );
    await waitFor(() => pool.status().busy === 1, 'the job to start');
    request.run('the aborter', () => controller.abort(new Error('user went away')));
    expect((await run.ended).error).toBeInstanceOf(JobCancelledError);
    expectAllIn(run, 'aborted', ['tap error', 'error']);
    await waitFor(() => Atomics.load(flags, 0) === 1, 'the job’s cleanup');
    await pool.join();
  });

  it('is seen by error for JobTimeoutError', async () => {
    const run = runIn('timed out', () => pool.with({ timeout: 100 }).execute(ControlJobs, 'spin', 60_000));
    expect((await run.ended).error).toBeInstanceOf(JobTimeoutError);
    expectAllIn(run, 'timed out', ['tap error', 'error']);
  });

  // On a pool of its own: it makes no use of the shared pool's state, and closes whatever it left.
  it('is seen by error for a job aborted while it waits, in another context', async () => {
    const single = await startPoolApp({ size: 1, shutdownTimeout: 5_000 }, [ControlModule]);
    try {
      const stop = new AbortController();
      const flags = shared(1);
      const holder = runIn('holder', () =>
        single.pool.with({ signal: stop.signal }).execute(ControlJobs, 'cooperate', flags),
      );
      await waitFor(() => single.pool.status().busy === 1, 'the worker to be busy');
      const controller = new AbortController();
      const waiting = runIn('waiting', () =>
        single.pool.with({ signal: controller.signal }).execute(ControlJobs, 'spin', 1),
      );
      // The worker is busy: the job waits (in the queue, or sent ahead to the worker) when it is aborted.
      request.run('the aborter', () => {
        controller.abort();
        stop.abort();
      });
      expect((await waiting.ended).error).toBeInstanceOf(JobCancelledError);
      expectAllIn(waiting, 'waiting', ['tap error', 'error']);
      expect((await holder.ended).error).toBeInstanceOf(JobCancelledError);
      expectAllIn(holder, 'holder', ['tap error', 'error']);
      await waitFor(() => Atomics.load(flags, 0) === 1, 'the job’s cleanup');
    } finally {
      await single.app.close();
    }
  });

  it('is seen by error for JobQueueTimeoutError', async () => {
    const single = await startPoolApp({ size: 1, shutdownTimeout: 5_000 }, [ControlModule]);
    try {
      const blocker = runIn('blocker', () => single.pool.execute(ControlJobs, 'spin', 500));
      const waiting = runIn('waiting', () => single.pool.with({ queueTimeout: 50 }).execute(ControlJobs, 'spin', 1));
      expect((await waiting.ended).error).toBeInstanceOf(JobQueueTimeoutError);
      expectAllIn(waiting, 'waiting', ['tap error', 'error']);
      expect(await blocker.ended).toEqual({});
      expectAllIn(blocker, 'blocker', ['map', 'tap next', 'next', 'tap complete', 'complete']);
    } finally {
      await single.app.close();
    }
  });
});
