import { firstValueFrom } from 'rxjs';
import { BehaviourJobs, type Span } from '../fixtures/behaviour.jobs';
import { startPoolApp, type PoolApp } from '../fixtures/pool-app';
import { waitFor } from '../fixtures/wait-for';

/**
 * A busy worker is sent its next job as it starts one (prefetch), so it never waits on a round trip; but a job
 * must never wait behind a slow one: an idle worker takes back a prefetched job that has not started.
 */
describe('prefetch', () => {
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: 2 }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets an idle worker take over a job prefetched behind a slow one', async () => {
    const openers = [1, 2].map(() => firstValueFrom(pool.execute(BehaviourJobs, 'hold', 200)));
    // Queued behind the openers: the first worker to finish starts `slow` and is sent `stuck` to run next.
    const slow = firstValueFrom(pool.execute(BehaviourJobs, 'hold', 2_000));
    const stuck = firstValueFrom(pool.execute(BehaviourJobs, 'hold', 10));
    const quick = [1, 2, 3].map(() => firstValueFrom(pool.execute(BehaviourJobs, 'hold', 10)));
    await Promise.all(openers);
    const [stuckSpan, slowSpan] = [await stuck, await slow] as Span[];
    expect(stuckSpan.end).toBeLessThan(slowSpan.end); // it did not wait for the slow job
    expect(stuckSpan.threadId).not.toBe(slowSpan.threadId);
    await Promise.all(quick);
  });

  it('takes a prefetched job back when it is cancelled: it never runs', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4 * 3));
    const single = await startPoolApp({ size: 1 });
    try {
      const first = firstValueFrom(single.pool.execute(BehaviourJobs, 'tally', counts, 0, 200));
      const second = firstValueFrom(single.pool.execute(BehaviourJobs, 'tally', counts, 1, 300));
      const cancelled = single.pool.execute(BehaviourJobs, 'tally', counts, 2).subscribe();
      await first; // `second` started, `cancelled` was sent to run after it
      await waitFor(() => Atomics.load(counts, 1) === 0 && single.pool.status().busy === 1, 'the second job to run');
      cancelled.unsubscribe();
      expect(await second).toBe(1);
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
});
