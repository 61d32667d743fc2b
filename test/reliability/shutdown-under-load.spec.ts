/**
 * Issue 5, part 3: shutdown under load. Closing the app with jobs queued and running completes them, or
 * fails them after shutdownTimeout with a clear error; closing twice, and executing after close, is a clear
 * answer and never a hang.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JobPanicError, PanicSwitch, PoolClosedError, PoolShutdownTimeoutError } from '../../lib';
import { ChaosJobs, ChaosModule, raise } from '../fixtures/chaos.jobs';
import { startPoolApp } from '../fixtures/pool-app';
import { record, shapeOf, type Recording } from '../fixtures/record';
import { settle } from '../fixtures/settle';

/** A cap for things that must end: it fails the test with a message instead of letting jest time out. */
async function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, cap]);
  } finally {
    clearTimeout(timer);
  }
}

const ends = (records: Recording<unknown>[]): Promise<void[]> => Promise.all(records.map((rec) => rec.ended));

describe('Shutdown under load', () => {
  it('completes every running and queued job before the app closes, and refuses jobs submitted meanwhile', async () => {
    const { app, pool } = await startPoolApp({ size: 2 }, [ChaosModule]);
    const TOTAL = 1_200;
    const runs = new Int32Array(new SharedArrayBuffer(4 * TOTAL));
    const signal = new Int32Array(new SharedArrayBuffer(4));
    // Two holders occupy both workers; everything else queues behind them.
    const records: Recording<unknown>[] = [0, 1].map((i) =>
      record(pool.execute(ChaosJobs, 'awaitSignal', runs, i, signal, 0, 30_000)),
    );
    for (let i = 2; i < TOTAL; i++) {
      if (i % 20 === 0) records.push(record(pool.execute(ChaosJobs, 'fail', runs, i)));
      else if (i % 20 === 1) records.push(record(pool.execute(ChaosJobs, 'okLater', runs, i, i)));
      else records.push(record(pool.execute(ChaosJobs, 'ok', runs, i, i)));
    }
    expect(pool.status()).toMatchObject({ busy: 2, queued: TOTAL - 2 });

    const closed = app.close();
    await sleep(0);
    expect(pool.status().state).toBe('closing');
    const late = await settle(pool.execute(ChaosJobs, 'ok', null, 0, 'late'));
    expect(late.error).toBeInstanceOf(PoolClosedError);
    expect((late.error as Error).message).toBe('ChaosJobs.ok was refused: the pool is closing');

    raise(signal);
    await within(closed, 'app.close()', 60_000);
    // Everything ended by the time close resolved.
    const shapes = records.map(shapeOf);
    expect(shapes.filter((shape) => shape !== 'value' && shape !== 'error')).toEqual([]);
    expect(records[0].values).toEqual(['signalled']);
    const wrong = records.slice(2).filter((rec, n) => {
      const i = n + 2;
      if (i % 20 === 0) return (rec.errors[0] as Error | undefined)?.name !== 'ChaosError';
      return rec.values[0] !== i;
    });
    expect(wrong).toHaveLength(0);
    expect(Array.from(runs)).toEqual(new Array(TOTAL).fill(1));
    expect(pool.status()).toMatchObject({ state: 'closed', busy: 0, queued: 0, idle: 0 });

    // Closing again, and using the closed pool, answer at once.
    await within(app.close(), 'a second app.close()');
    const after = await within(settle(pool.execute(ChaosJobs, 'ok', null, 0, 'after')), 'execute after close');
    expect(after.error).toBeInstanceOf(PoolClosedError);
    expect((after.error as Error).message).toBe('ChaosJobs.ok was refused: the pool is closed');
    await within(pool.join(), 'join() after close');
    expect(pool.status().state).toBe('closed');
  }, 90_000);

  it('replaces a worker that panics during shutdown while jobs still wait, and completes them', async () => {
    const { app, pool } = await startPoolApp({ size: 1, panicSwitch: PanicSwitch.Respawn }, [ChaosModule]);
    const runs = new Int32Array(new SharedArrayBuffer(4 * 101));
    const crash = record(pool.execute(ChaosJobs, 'exit', runs, 0, 9));
    const queued = Array.from({ length: 100 }, (_, n) => record(pool.execute(ChaosJobs, 'ok', runs, n + 1, n)));
    await within(app.close(), 'app.close() with a panic during shutdown', 60_000);
    expect(crash.errors[0]).toBeInstanceOf(JobPanicError);
    expect(queued.map(shapeOf)).toEqual(new Array(100).fill('value'));
    expect(queued.map((rec) => rec.values[0])).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(Array.from(runs)).toEqual(new Array(101).fill(1));
    expect(pool.status()).toMatchObject({ state: 'closed', panics: 1, respawns: 1, busy: 0, queued: 0 });
  }, 60_000);

  it('fails what is still running or queued after shutdownTimeout with a clear error, and never hangs', async () => {
    const { app, pool } = await startPoolApp({ size: 2, shutdownTimeout: 400 }, [ChaosModule]);
    const runs = new Int32Array(new SharedArrayBuffer(4 * 202));
    const never = new Int32Array(new SharedArrayBuffer(4)); // never raised: the holders would wait 60 s
    const running = [0, 1].map((i) => record(pool.execute(ChaosJobs, 'awaitSignal', runs, i, never, 0, 60_000)));
    const queued = Array.from({ length: 200 }, (_, n) => record(pool.execute(ChaosJobs, 'ok', runs, n + 2, n)));

    // Two concurrent closes: both end, neither hangs.
    await within(Promise.all([app.close(), app.close()]), 'two concurrent app.close() calls');
    await within(ends([...running, ...queued]), 'the abandoned jobs');
    for (const rec of running) {
      expect(shapeOf(rec)).toBe('error');
      expect(rec.errors[0]).toBeInstanceOf(PoolShutdownTimeoutError);
      expect((rec.errors[0] as Error).message).toBe(
        'ChaosJobs.awaitSignal was still running when the 400 ms shutdown timeout ran out',
      );
    }
    expect(queued.map(shapeOf)).toEqual(new Array(200).fill('error'));
    expect(queued.every((rec) => rec.errors[0] instanceof PoolShutdownTimeoutError)).toBe(true);
    expect((queued[0].errors[0] as Error).message).toBe(
      'ChaosJobs.ok had not started when the 400 ms shutdown timeout ran out',
    );
    expect(Array.from(runs.subarray(2))).toEqual(new Array(200).fill(0)); // no queued job started
    expect(pool.status()).toMatchObject({ state: 'closed', busy: 0, queued: 0 });
    raise(never);
  }, 60_000);
});
