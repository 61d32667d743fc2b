import { firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import {
  JobArgumentError,
  JobCancelledError,
  JobQueueTimeoutError,
  JobResultError,
  JobTimeoutError,
  PoolQueueFullError,
  transfer,
  type JobTimeoutError as TimeoutErrorType,
} from '../lib';
import { ChaosJobs, ChaosModule, raise } from './fixtures/chaos.jobs';
import { ControlJobs, ControlModule } from './fixtures/control.jobs';
import { startPoolApp, type PoolApp } from './fixtures/pool-app';
import { settle } from './fixtures/settle';
import { waitFor } from './fixtures/wait-for';

const shared = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * length));

describe('job control', () => {
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: 2, cancelGrace: 300 }, [ControlModule]));
  });

  afterAll(async () => {
    await app.close();
  });

  const fullStrength = (): Promise<void> => waitFor(() => pool.status().idle === 2, 'both workers idle');

  describe('cancellation', () => {
    it('aborts a cooperative job’s signal on unsubscribe; its cleanup runs and its worker stays', async () => {
      const flags = shared(1);
      const before = pool.status().respawns;
      const subscription = pool.execute(ControlJobs, 'cooperate', flags).subscribe();
      await waitFor(() => pool.status().busy === 1, 'the job to start');
      subscription.unsubscribe();
      await waitFor(() => Atomics.load(flags, 0) === 1, 'the job’s cleanup');
      await pool.join();
      expect(pool.status()).toMatchObject({ respawns: before, panics: 0, busy: 0 });
    });

    it('terminates and replaces the worker of a job that ignores its signal, after cancelGrace', async () => {
      const before = pool.status().respawns;
      const subscription = pool.execute(ControlJobs, 'spin', 60_000).subscribe();
      await waitFor(() => pool.status().busy === 1, 'the job to start');
      subscription.unsubscribe();
      await pool.join(); // the spinning job is given up on after the grace period
      expect(await firstValueFrom(pool.execute(ControlJobs, 'spin', 1))).toBeGreaterThan(0);
      await fullStrength();
      expect(pool.status()).toMatchObject({ respawns: before + 1, panics: 0 });
    });

    it('fails the job with JobCancelledError when the caller’s AbortSignal aborts', async () => {
      const controller = new AbortController();
      const flags = shared(1);
      const outcome = settle(pool.with({ signal: controller.signal }).execute(ControlJobs, 'cooperate', flags));
      await waitFor(() => pool.status().busy === 1, 'the job to start');
      controller.abort(new Error('user went away'));
      const { error } = await outcome;
      expect(error).toBeInstanceOf(JobCancelledError);
      expect((error as Error).message).toBe('ControlJobs.cooperate was cancelled by its AbortSignal');
      expect((error as Error).cause).toMatchObject({ message: 'user went away' });
      await waitFor(() => Atomics.load(flags, 0) === 1, 'the job’s cleanup');
    });

    it('refuses at once a job whose signal is already aborted', async () => {
      const { error } = await settle(pool.with({ signal: AbortSignal.abort() }).execute(ControlJobs, 'spin', 1));
      expect(error).toBeInstanceOf(JobCancelledError);
      expect((error as Error).message).toMatch(/before it was submitted/);
    });
  });

  describe('timeouts', () => {
    it('fails a job that runs too long with JobTimeoutError saying how long it ran, and recovers the worker', async () => {
      const { error } = await settle(pool.with({ timeout: 200 }).execute(ControlJobs, 'spin', 60_000));
      expect(error).toBeInstanceOf(JobTimeoutError);
      const timeout = error as TimeoutErrorType;
      expect(timeout.ranMs).toBeGreaterThanOrEqual(200);
      expect(timeout.message).toMatch(
        /ControlJobs.spin timed out after running for \d+ ms \(timeout 200 ms; it had waited \d+ ms in the queue\)/,
      );
      await pool.join();
      expect(await firstValueFrom(pool.execute(ControlJobs, 'spin', 1))).toBeGreaterThan(0);
    });

    it('counts the run, not the wait in the queue', async () => {
      const single = await startPoolApp({ size: 1 }, [ControlModule, ChaosModule]);
      try {
        const gate = shared(1);
        const blocker = firstValueFrom(single.pool.execute(ChaosJobs, 'awaitSignal', null, 0, gate, 0, 30_000));
        // Waits behind the blocker for longer than its 1 s timeout, then runs for a moment.
        const patient = settle(single.pool.with({ timeout: 1_000 }).execute(ChaosJobs, 'ok', null, 0, 'done'));
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        raise(gate);
        await blocker;
        expect(await patient).toEqual({ values: ['done'], completed: true });
        // The pool's own record: it did wait longer than its timeout.
        expect(single.pool.stats().waitMs.max).toBeGreaterThanOrEqual(1_000);
      } finally {
        await single.app.close();
      }
    });

    it('bounds the wait in the queue separately, with JobQueueTimeoutError', async () => {
      const single = await startPoolApp({ size: 1, queueTimeout: 100 }, [ControlModule, ChaosModule]);
      try {
        // Held until the queued job has timed out, however late its timer fires on a loaded machine.
        const gate = shared(1);
        const blocker = firstValueFrom(
          single.pool.with({ queueTimeout: 5_000 }).execute(ChaosJobs, 'awaitSignal', null, 0, gate, 0, 30_000),
        );
        const { error } = await settle(single.pool.execute(ControlJobs, 'spin', 1));
        raise(gate);
        expect(error).toBeInstanceOf(JobQueueTimeoutError);
        expect((error as JobQueueTimeoutError).waitedMs).toBeGreaterThanOrEqual(100);
        expect((error as Error).message).toMatch(
          /waited \d+ ms in the queue without a free worker \(queueTimeout 100 ms\)/,
        );
        await blocker;
      } finally {
        await single.app.close();
      }
    });
  });

  describe('backpressure', () => {
    it('refuses past maxQueue at once, reports saturation and its end, and keeps serving', async () => {
      const small = await startPoolApp({ size: 1, maxQueue: 2 }, [ControlModule]);
      try {
        const states: boolean[] = [];
        const watching = small.pool.saturated$.subscribe((s) => states.push(s));
        const accepted = [
          firstValueFrom(small.pool.execute(ControlJobs, 'spin', 300)),
          firstValueFrom(small.pool.execute(ControlJobs, 'spin', 1)),
          firstValueFrom(small.pool.execute(ControlJobs, 'spin', 1)),
        ];
        expect(small.pool.status()).toMatchObject({ queued: 2, saturated: true });
        const refused = await settle(small.pool.execute(ControlJobs, 'spin', 1));
        expect(refused.error).toBeInstanceOf(PoolQueueFullError);
        expect((refused.error as Error).message).toBe(
          'ControlJobs.spin was refused: the queue already holds 2 jobs (maxQueue)',
        );
        await Promise.all(accepted);
        expect(states).toEqual([false, true, false]);
        expect(await firstValueFrom(small.pool.execute(ControlJobs, 'spin', 1))).toBeGreaterThan(0);
        watching.unsubscribe();
      } finally {
        await small.app.close();
      }
    });
  });

  describe('zero-copy payloads', () => {
    it('moves a transfer()-marked argument: detached here, intact in the worker', async () => {
      const bytes = new Uint8Array(4 << 20).fill(7);
      const received = await firstValueFrom(pool.execute(ControlJobs, 'checksum', transfer(bytes)));
      expect(received).toEqual({ length: 4 << 20, sum: 7 * 1024 });
      expect(bytes.byteLength).toBe(0); // detached
    });

    it('copies an unmarked argument', async () => {
      const bytes = new Uint8Array(1024).fill(1);
      await firstValueFrom(pool.execute(ControlJobs, 'checksum', bytes));
      expect(bytes.byteLength).toBe(1024);
    });

    it('moves a transfer()-marked result back', async () => {
      const { bytes } = await firstValueFrom(pool.execute(ControlJobs, 'makeBytes', 1 << 20, 9));
      expect(bytes.length).toBe(1 << 20);
      expect(bytes[12345]).toBe(9);
    });

    it('refuses an argument marked with transfer() that was moved before the job could be sent', async () => {
      const bytes = transfer(new Uint8Array(64));
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
      const { error } = await settle(pool.execute(ControlJobs, 'checksum', bytes));
      expect(error).toBeInstanceOf(JobArgumentError);
      expect((error as Error).message).toMatch(/already been moved/);
    });

    it('fails a job whose result holds a transfer()-marked value it had moved elsewhere', async () => {
      const { error } = await settle(pool.execute(ControlJobs, 'returnMovedBytes'));
      expect(error).toBeInstanceOf(JobResultError);
      expect((error as Error).message).toMatch(/already been moved/);
    });

    it('shares a SharedArrayBuffer', async () => {
      const memory = shared(1);
      await firstValueFrom(pool.execute(ControlJobs, 'writeShared', memory, 42));
      expect(Atomics.load(memory, 0)).toBe(42);
    });
  });

  describe('streaming jobs', () => {
    it('emits an async generator’s items in order, then completes', async () => {
      const produced = shared(2);
      const items = await lastValueFrom(pool.execute(ControlJobs, 'count', 50, produced).pipe(toArray()));
      expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(Atomics.load(produced, 1)).toBe(1);
    });

    it('keeps a fast producer within the stream window of a slow consumer', async () => {
      const produced = shared(2);
      let furthestAhead = 0;
      let consumed = 0;
      await lastValueFrom(
        pool.execute(ControlJobs, 'count', 200, produced).pipe(
          map((item) => {
            consumed++;
            furthestAhead = Math.max(furthestAhead, Atomics.load(produced, 0) - consumed);
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // a slow consumer
            return item;
          }),
          toArray(),
        ),
      );
      expect(consumed).toBe(200);
      expect(furthestAhead).toBeLessThanOrEqual(16 + 1);
    });

    it('stops the generator when the caller unsubscribes: its finally runs', async () => {
      const produced = shared(2);
      const firstThree = await lastValueFrom(
        pool.execute(ControlJobs, 'count', 1_000_000, produced).pipe(take(3), toArray()),
      );
      expect(firstThree).toEqual([0, 1, 2]);
      await waitFor(() => Atomics.load(produced, 1) === 1, 'the generator’s finally');
      expect(Atomics.load(produced, 0)).toBeLessThan(100);
      await pool.join();
    });

    it('delivers the items before an error, then the error', async () => {
      const { values, error } = await settle(pool.execute(ControlJobs, 'failAfter', 2));
      expect(values).toEqual([0, 1]);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe('failed after 2 items');
    });

    it('streams an Observable returned by a job', async () => {
      expect(await lastValueFrom(pool.execute(ControlJobs, 'ticks', 3).pipe(toArray()))).toEqual([
        'tick 0',
        'tick 1',
        'tick 2',
      ]);
    });

    it('reports progress to onProgress', async () => {
      const progress: unknown[] = [];
      const result = await firstValueFrom(
        pool.with({ onProgress: (p) => progress.push(p) }).execute(ControlJobs, 'withProgress', 3),
      );
      expect(result).toBe('finished');
      expect(progress).toEqual([
        { step: 1, of: 3 },
        { step: 2, of: 3 },
        { step: 3, of: 3 },
      ]);
    });
  });

  describe('priorities', () => {
    it('starts higher priorities first and FIFO within a priority', async () => {
      const single = await startPoolApp({ size: 1 }, [ControlModule]);
      try {
        const order = shared(8);
        const blocker = firstValueFrom(single.pool.execute(ControlJobs, 'startOrder', order, 0, 300));
        const queued = [
          [1, 0],
          [2, 5],
          [3, 0],
          [4, 5],
          [5, 1],
        ].map(([label, priority]) =>
          firstValueFrom(single.pool.with({ priority }).execute(ControlJobs, 'startOrder', order, label)),
        );
        await Promise.all([blocker, ...queued]);
        expect(Array.from(order.subarray(1, 7))).toEqual([0, 2, 4, 5, 1, 3]);
      } finally {
        await single.app.close();
      }
    });

    it('refuses invalid per-call options, naming them', () => {
      expect(() => pool.with({ timeout: -1 })).toThrow(
        'Invalid job options: timeout must be a number of milliseconds, 0 or more, got -1',
      );
      expect(() => pool.with({ priority: Infinity })).toThrow(/priority must be a finite number/);
      expect(() => pool.with({ signal: 'stop' as unknown as AbortSignal })).toThrow(/signal must be an AbortSignal/);
      expect(() => pool.with({ retries: 3 } as object)).toThrow(/unknown option "retries"/);
    });
  });

  describe('recycling', () => {
    it('replaces a worker after recycleAfterJobs, failing no job', async () => {
      const recycling = await startPoolApp({ size: 1, recycleAfterJobs: 2 }, [ControlModule]);
      try {
        const threads: number[] = [];
        for (let i = 0; i < 5; i++) threads.push(await firstValueFrom(recycling.pool.execute(ControlJobs, 'threadId')));
        expect(threads[0]).toBe(threads[1]);
        expect(threads[2]).not.toBe(threads[1]);
        expect(threads[2]).toBe(threads[3]);
        expect(threads[4]).not.toBe(threads[3]);
        expect(recycling.pool.status()).toMatchObject({ recycled: 2, panics: 0 });
      } finally {
        await recycling.app.close();
      }
    });

    it('replaces a worker whose heap is above recycleAboveHeapMb after a job', async () => {
      const recycling = await startPoolApp({ size: 1, recycleAboveHeapMb: 1 }, [ControlModule]);
      try {
        const first = await firstValueFrom(recycling.pool.execute(ControlJobs, 'threadId'));
        const second = await firstValueFrom(recycling.pool.execute(ControlJobs, 'threadId'));
        expect(second).not.toBe(first);
        expect(recycling.pool.status().recycled).toBeGreaterThanOrEqual(1);
      } finally {
        await recycling.app.close();
      }
    });
  });
});
