import { firstValueFrom } from 'rxjs';
import { JobArgumentError, transfer } from '../../lib';
import { BehaviourJobs } from '../fixtures/behaviour.jobs';
import { BehaviourModule } from '../fixtures/behaviour.module';
import { ChaosJobs, ChaosModule, raise, started } from '../fixtures/chaos.jobs';
import { PrimesModule } from '../fixtures/primes.module';
import { startPoolApp, type PoolApp } from '../fixtures/pool-app';
import { settle } from '../fixtures/settle';

/**
 * A busy worker is sent its next jobs ahead (prefetch: one for jobs of a millisecond or more, up to 16 for tiny
 * ones), so it never waits on a round trip; but a job must never wait behind a slow one: an idle worker takes
 * back a prefetched job that has not started.
 */
describe('prefetch', () => {
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: 2 }, [BehaviourModule, PrimesModule, ChaosModule]));
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets an idle worker take over a job prefetched behind a slow one', async () => {
    const openers = [1, 2].map(() => firstValueFrom(pool.execute(BehaviourJobs, 'hold', 200)));
    // Queued behind the openers: the first worker to finish starts `slow` and is sent `stuck` to run next.
    // `slow` holds its worker until `stuck` has ended: `stuck` can only end if another worker took it over.
    // (Judged by that order, not by wall-clock spans, which a descheduled thread would stretch.)
    const runs = new Int32Array(new SharedArrayBuffer(4));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const slow = firstValueFrom(pool.execute(ChaosJobs, 'awaitSignal', runs, 0, gate, 0, 30_000));
    const stuck = firstValueFrom(pool.execute(BehaviourJobs, 'hold', 10)).finally(() => raise(gate));
    const quick = [1, 2, 3].map(() => firstValueFrom(pool.execute(BehaviourJobs, 'hold', 10)));
    await Promise.all(openers);
    await stuck;
    expect(await slow).toBe('signalled'); // released by `stuck`'s end, not by its 30 s cap
    await Promise.all(quick);
  });

  it('takes a prefetched job back when it is cancelled: it never runs', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4 * 3));
    const single = await startPoolApp({ size: 1 }, [BehaviourModule, ChaosModule]);
    try {
      // `second` holds the worker until the test has cancelled the job sent to run after it, however slow
      // the machine: the cancel cannot come too late.
      const gate = new Int32Array(new SharedArrayBuffer(4));
      const first = firstValueFrom(single.pool.execute(BehaviourJobs, 'tally', counts, 0, 200));
      const second = firstValueFrom(single.pool.execute(ChaosJobs, 'awaitSignal', counts, 1, gate, 0, 30_000));
      const cancelled = single.pool.execute(BehaviourJobs, 'tally', counts, 2).subscribe();
      await first; // `second` started, `cancelled` was sent to run after it
      await started(counts, 1);
      cancelled.unsubscribe();
      raise(gate);
      expect(await second).toBe('signalled');
      await single.pool.join();
      expect(Array.from(counts)).toEqual([1, 1, 0]);
      expect(single.pool.status()).toMatchObject({ queued: 0, busy: 0, idle: 1 });
    } finally {
      await single.app.close();
    }
  });

  it('counts prefetched jobs as queued', async () => {
    const single = await startPoolApp({ size: 1 });
    try {
      const jobs = [300, 10, 10].map((ms) => firstValueFrom(single.pool.execute(BehaviourJobs, 'hold', ms)));
      expect(single.pool.status()).toMatchObject({ busy: 1, queued: 2 });
      await jobs[0];
      expect(single.pool.status().queued).toBeLessThanOrEqual(1);
      await Promise.all(jobs);
      expect(single.pool.status()).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      await single.app.close();
    }
  });

  it('lets the other worker take every tiny job sent ahead behind a slow one; each runs once', async () => {
    // Tiny jobs first, so the pool sends them many at a time.
    await Promise.all(Array.from({ length: 500 }, (_, i) => firstValueFrom(pool.execute(BehaviourJobs, 'echo', i))));
    const counts = new Int32Array(new SharedArrayBuffer(4 * 400));
    const finished: string[] = [];
    const tally = (index: number) =>
      firstValueFrom(pool.execute(BehaviourJobs, 'tally', counts, index)).then(() => finished.push('tiny'));
    const before = Array.from({ length: 200 }, (_, i) => tally(i));
    const slow = firstValueFrom(pool.execute(BehaviourJobs, 'hold', 1_000)).then(() => finished.push('slow'));
    const after = Array.from({ length: 200 }, (_, i) => tally(200 + i));
    await Promise.all([...before, slow, ...after]);
    expect(finished.indexOf('slow')).toBe(400); // no tiny job waited for the slow one
    expect(Array.from(counts).every((count) => count === 1)).toBe(true);
    expect(pool.status()).toMatchObject({ busy: 0, queued: 0, idle: 2 });
  });

  it('fails alone a job that cannot be sent in the same message as others', async () => {
    const single = await startPoolApp({ size: 1 });
    try {
      const opener = firstValueFrom(single.pool.execute(BehaviourJobs, 'hold', 100));
      // Both wait for the worker, which is then sent them in one message: the buffer cannot move twice.
      const bytes = new Uint8Array(1024).fill(7);
      const first = settle(single.pool.execute(BehaviourJobs, 'echo', transfer(bytes)));
      const second = settle(single.pool.execute(BehaviourJobs, 'echo', transfer(bytes)));
      await opener;
      const [moved, refused] = await Promise.all([first, second]);
      expect(moved.values[0]).toEqual(new Uint8Array(1024).fill(7));
      expect(refused.error).toBeInstanceOf(JobArgumentError);
      expect(await firstValueFrom(single.pool.execute(BehaviourJobs, 'echo', 'still serving'))).toBe('still serving');
    } finally {
      await single.app.close();
    }
  });
});
