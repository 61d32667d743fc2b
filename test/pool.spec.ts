import { NotFoundException } from '@nestjs/common';
import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { threadId } from 'node:worker_threads';
import { JobArgumentError, JobResultError, UnknownJobError, type Pool } from '../lib';
import { BehaviourJobs, QuotaError } from './fixtures/behaviour.jobs';
import { BehaviourModule } from './fixtures/behaviour.module';
import { ChaosJobs, ChaosModule, raise, started } from './fixtures/chaos.jobs';
import { startPoolApp, type PoolApp } from './fixtures/pool-app';
import { PrimesModule } from './fixtures/primes.module';
import { settle } from './fixtures/settle';
import { PrimesJobs } from './fixtures/primes.jobs';

const SIZE = 2;

describe('Pool.execute', () => {
  let app: PoolApp['app'];
  let pool: Pool;

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: SIZE }, [BehaviourModule, PrimesModule, ChaosModule]));
  });

  afterAll(async () => {
    await app.close();
  });

  it('runs jobs on worker threads, not the caller thread', async () => {
    const workerThread = await firstValueFrom(pool.execute(BehaviourJobs, 'threadId'));
    expect(workerThread).not.toBe(threadId);
    expect(workerThread).toBeGreaterThan(0);
  });

  it('resolves the job provider’s constructor dependencies inside the worker', async () => {
    const where = await firstValueFrom(pool.execute(PrimesJobs, 'whereAmI'));
    expect(where.limit).toBe(10_000_000);
    expect(where.threadId).not.toBe(threadId);
    expect(await firstValueFrom(pool.execute(PrimesJobs, 'countPrimes', 1000))).toBe(168);
  });

  it('is cold: nothing runs before subscribe', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4));
    const job = pool.execute(BehaviourJobs, 'tally', counts, 0);
    await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 'flush'));
    await pool.join();
    expect(Atomics.load(counts, 0)).toBe(0);
    expect(await firstValueFrom(job)).toBe(1);
  });

  it('emits the awaited result once, then completes', async () => {
    const outcome = await settle(pool.execute(BehaviourJobs, 'echoLater', { deep: [1, 2, { three: 3 }] }));
    expect(outcome).toEqual({ values: [{ deep: [1, 2, { three: 3 }] }], completed: true });
  });

  it('runs N slow jobs on a pool of N at the same time', async () => {
    // Each job holds its worker until all N have started: they can only all be released if they overlap.
    // (Judged by the jobs' own marks, not wall-clock spans, which a descheduled thread would stretch.)
    const runs = new Int32Array(new SharedArrayBuffer(4 * SIZE));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const held = Array.from({ length: SIZE }, (_, i) =>
      firstValueFrom(pool.execute(ChaosJobs, 'awaitSignal', runs, i, gate, 0, 30_000)),
    );
    await Promise.all(Array.from({ length: SIZE }, (_, i) => started(runs, i)));
    expect(pool.status()).toMatchObject({ busy: SIZE, idle: 0 });
    raise(gate);
    expect(await Promise.all(held)).toEqual(new Array(SIZE).fill('signalled'));
  });

  it('completes a queue of 10 × size jobs, each exactly once', async () => {
    const total = SIZE * 10;
    const counts = new Int32Array(new SharedArrayBuffer(4 * total));
    const outcomes = await Promise.all(
      Array.from({ length: total }, (_, i) => settle(pool.execute(BehaviourJobs, 'tally', counts, i, 5))),
    );
    expect(outcomes.every((o) => o.completed && o.values.length === 1 && o.values[0] === 1)).toBe(true);
    expect(Array.from(counts)).toEqual(new Array<number>(total).fill(1));
    expect(pool.status()).toMatchObject({ queued: 0, busy: 0, idle: SIZE });
  });

  it('takes a job out of the queue when unsubscribed before it starts', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4 * 3));
    const holders = Array.from({ length: SIZE }, () => firstValueFrom(pool.execute(BehaviourJobs, 'hold', 300)));
    const dropped = pool.execute(BehaviourJobs, 'tally', counts, 0).subscribe();
    const kept = firstValueFrom(pool.execute(BehaviourJobs, 'tally', counts, 1));
    expect(pool.status().queued).toBe(2);
    dropped.unsubscribe();
    expect(pool.status().queued).toBe(1);
    await Promise.all(holders);
    expect(await kept).toBe(1);
    await pool.join();
    expect(Array.from(counts)).toEqual([0, 1, 0]);
  });

  it('join() waits for the queue and the workers', async () => {
    const results: unknown[] = [];
    for (let i = 0; i < 6; i++) pool.execute(BehaviourJobs, 'echoLater', i).subscribe((v) => results.push(v));
    await pool.join();
    expect(results.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pool.status()).toMatchObject({ state: 'running', queued: 0, busy: 0 });
  });

  describe('job errors fail only their own Observable', () => {
    it('keeps a custom error’s name, message, stack and own properties', async () => {
      const { error } = await settle(pool.execute(BehaviourJobs, 'throwQuota', 7));
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'QuotaError', message: 'quota of 7 exceeded', code: 'E_QUOTA', limit: 7 });
      expect((error as Error).stack).toContain('QuotaError: quota of 7 exceeded');
      expect((error as Error).stack).toContain('behaviour.jobs');
      expect(error).not.toBeInstanceOf(QuotaError); // the class itself does not cross threads; its name does
    });

    it('keeps a Nest HttpException’s class and status', async () => {
      const { error } = await settle(pool.execute(BehaviourJobs, 'throwNotFound', 'prime'));
      expect(error).toBeInstanceOf(NotFoundException);
      const http = error as NotFoundException;
      expect(http.getStatus()).toBe(404);
      expect(http.message).toBe('no prime here');
      expect(http.getResponse()).toEqual({ statusCode: 404, message: 'no prime here', error: 'Not Found' });
    });

    it('keeps the class of a built-in error from a rejected promise', async () => {
      const { error } = await settle(pool.execute(BehaviourJobs, 'rejectWithTypeError'));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe('rejected on purpose');
    });

    it('wraps a thrown non-Error in an Error that says what was thrown', async () => {
      const { error } = await settle(pool.execute(BehaviourJobs, 'throwString'));
      expect((error as Error).message).toBe('Job threw a non-Error value: "a bare string"');
      expect((error as { thrown: unknown }).thrown).toBe('a bare string');
    });

    it('keeps the worker serving after a job fails', async () => {
      const single = await startPoolApp({ size: 1 });
      try {
        const before = await firstValueFrom(single.pool.execute(BehaviourJobs, 'threadId'));
        await settle(single.pool.execute(BehaviourJobs, 'throwQuota', 1));
        await settle(single.pool.execute(BehaviourJobs, 'rejectWithTypeError'));
        expect(await firstValueFrom(single.pool.execute(BehaviourJobs, 'threadId'))).toBe(before);
        expect(single.pool.status()).toMatchObject({ panics: 0, respawns: 0 });
      } finally {
        await single.app.close();
      }
    });

    it('fails a job whose result cannot be sent back, and goes on', async () => {
      const { error } = await settle(pool.execute(BehaviourJobs, 'returnFunction'));
      expect(error).toBeInstanceOf(JobResultError);
      expect((error as Error).message).toMatch(/result cannot be sent back/);
      expect(await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 'still here'))).toBe('still here');
    });
  });

  describe('bad input fails that one Observable with an error naming it', () => {
    it.each([
      ['a function', [() => 1], 'args[0]', /is a function/],
      ['a symbol inside an object', [{ tag: Symbol('x') }], 'args[0].tag', /is a symbol/],
      [
        'a class instance with methods',
        [
          1,
          {
            point: new (class Point {
              norm = () => 0;
              len(): number {
                return 1;
              }
            })(),
          },
        ],
        'args[1].point',
        /Point instance with methods or accessors \(len\)/,
      ],
      ['a promise', [[Promise.resolve(1)]], 'args[0][0]', /Promise/],
    ])('refuses %s', async (_what, args, path, reason) => {
      const { error } = await settle(
        (pool.execute as (...a: unknown[]) => Observable<unknown>)(BehaviourJobs, 'echo', ...args),
      );
      expect(error).toBeInstanceOf(JobArgumentError);
      expect((error as JobArgumentError).path).toBe(path);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain('BehaviourJobs.echo');
    });

    it('sends data that structured clone keeps intact', async () => {
      class Dto {
        constructor(readonly id: number) {}
      }
      const sent = [new Date(0), /re/g, new Map([[1, 'a']]), new Set([2]), new Uint8Array([1, 2]), 10n, new Dto(4)];
      const received = await Promise.all(
        sent.map((value) => firstValueFrom(pool.execute(BehaviourJobs, 'describe', value))),
      );
      expect(received).toEqual([
        '[object Date]:"1970-01-01T00:00:00.000Z"',
        '[object RegExp]:{}',
        '[object Map]:{}',
        '[object Set]:{}',
        '[object Uint8Array]:{"0":1,"1":2}',
        '[object BigInt]:10n',
        '[object Object]:{"id":4}',
      ]);
    });

    it('names an unknown job class, an unknown method and an unmarked method', async () => {
      class Stranger {
        run(): number {
          return 1;
        }
      }
      const unknownClass = await settle(pool.execute(Stranger, 'run'));
      expect(unknownClass.error).toBeInstanceOf(UnknownJobError);
      expect((unknownClass.error as Error).message).toMatch(/Stranger is not a job provider/);

      const unmarked = await settle(pool.execute(PrimesJobs, 'notAJob'));
      expect(unmarked.error).toBeInstanceOf(UnknownJobError);
      expect((unmarked.error as Error).message).toMatch(
        /PrimesJobs.notAJob is not a @PoolJob\(\) method.*countPrimes, whereAmI/,
      );

      const missing = await settle((pool.execute as (...a: unknown[]) => Observable<unknown>)(PrimesJobs, 'nope'));
      expect((missing.error as Error).message).toMatch(/PrimesJobs.nope is not a @PoolJob\(\) method/);
    });

    it('keeps serving after bad input', async () => {
      const results = await lastValueFrom(pool.execute(BehaviourJobs, 'echo', [1, 2, 3]).pipe(toArray()));
      expect(results).toEqual([[1, 2, 3]]);
      expect(pool.status()).toMatchObject({ idle: SIZE, panics: 0 });
    });
  });

  describe('self-contained functions', () => {
    it('runs a function with its arguments on a worker', async () => {
      const fib = (n: number): number => {
        let [a, b] = [0, 1];
        for (let i = 0; i < n; i++) [a, b] = [b, a + b];
        return a;
      };
      expect(await firstValueFrom(pool.execute(fib, 30))).toBe(832040);
      expect(
        await firstValueFrom(
          pool.execute(async function later(x: string) {
            return x + '!';
          }, 'hi'),
        ),
      ).toBe('hi!');
    });

    it('captures nothing: a variable from the caller’s scope is not defined in the worker', async () => {
      const secret = 42;
      const { error } = await settle(pool.execute(() => secret));
      expect(error).toBeInstanceOf(ReferenceError);
      expect((error as Error).message).toMatch(/secret is not defined/);
    });

    it('refuses native functions', async () => {
      const { error } = await settle(pool.execute(Math.max, 1, 2));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/native or bound/);
    });
  });
});

describe('Pool.execute typing', () => {
  it('takes the parameters and result type from the job method', () => {
    // Checked by `tsc` (npm run typecheck): each line under @ts-expect-error must not compile.
    const typed = (pool: Pool): void => {
      const count: Observable<number> = pool.execute(PrimesJobs, 'countPrimes', 10);
      // @ts-expect-error a string where the method takes a number
      pool.execute(PrimesJobs, 'countPrimes', 'ten');
      // @ts-expect-error a method the class does not have
      pool.execute(PrimesJobs, 'countPrimez', 10);
      // @ts-expect-error the result is a number, not a string
      const wrong: Observable<string> = pool.execute(PrimesJobs, 'countPrimes', 10);
      const fromFunction: Observable<string> = pool.execute((a: number, b: string) => `${a}${b}`, 1, 'x');
      // @ts-expect-error the function's parameters are typed too
      pool.execute((a: number) => a, 'one');
      void [count, wrong, fromFunction];
    };
    expect(typeof typed).toBe('function');
  });
});
