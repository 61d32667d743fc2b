import { firstValueFrom } from 'rxjs';
import { JobPanicError, PanicSwitch } from '../../lib';
import { BehaviourJobs, QuotaError } from '../fixtures/behaviour.jobs';
import { startPoolApp, type PoolApp } from '../fixtures/pool-app';
import { settle } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';

describe('PanicSwitch.Respawn', () => {
  const SIZE = 2;
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp({ size: SIZE, panicSwitch: PanicSwitch.Respawn }));
  });

  afterAll(async () => {
    await app.close();
  });

  const fullStrength = (): Promise<void> => waitFor(() => pool.status().idle === SIZE, 'every worker to be idle');

  it('fails a job that exits its worker with a panic error, replaces the worker and serves the next 100 jobs', async () => {
    const panicked = await settle(pool.execute(BehaviourJobs, 'exitWorker', 3));
    expect(panicked.error).toBeInstanceOf(JobPanicError);
    expect((panicked.error as Error).message).toBe(
      'Job BehaviourJobs.exitWorker panicked: its worker exited with code 3',
    );

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => firstValueFrom(pool.execute(BehaviourJobs, 'echo', i))),
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await fullStrength();
    expect(pool.status()).toMatchObject({ size: SIZE, idle: SIZE, busy: 0, starting: 0, panics: 1, respawns: 1 });
  });

  it('treats an error thrown outside the job’s promise as a panic, with that error as the cause', async () => {
    const { error } = await settle(pool.execute(BehaviourJobs, 'throwFromTimer'));
    expect(error).toBeInstanceOf(JobPanicError);
    expect((error as Error).message).toMatch(/its worker died of an uncaught RangeError: thrown from a timer/);
    // (jest runs tests in a realm of their own, so the worker's error is not an instance of the test's RangeError)
    expect((error as Error).cause).toMatchObject({ name: 'RangeError', message: 'thrown from a timer' });
    await fullStrength();
  });

  it('loses no queued job when the worker they waited for panics', async () => {
    const single = await startPoolApp({ size: 1 });
    try {
      const crash = settle(single.pool.execute(BehaviourJobs, 'exitWorker', 1));
      const queued = Array.from({ length: 5 }, (_, i) => firstValueFrom(single.pool.execute(BehaviourJobs, 'echo', i)));
      expect(single.pool.status().queued).toBe(5);
      expect((await crash).error).toBeInstanceOf(JobPanicError);
      expect(await Promise.all(queued)).toEqual([0, 1, 2, 3, 4]);
      expect(single.pool.status()).toMatchObject({ size: 1, panics: 1, respawns: 1 });
    } finally {
      await single.app.close();
    }
  });

  it('treats running out of memory under resourceLimits as a panic', async () => {
    const limited = await startPoolApp({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 96 } });
    try {
      const { error } = await settle(limited.pool.execute(BehaviourJobs, 'exhaustMemory'));
      expect(error).toBeInstanceOf(JobPanicError);
      expect((error as Error).message).toMatch(/out of memory|ERR_WORKER_OUT_OF_MEMORY/i);
      expect(await firstValueFrom(limited.pool.execute(BehaviourJobs, 'echo', 'after'))).toBe('after');
    } finally {
      await limited.app.close();
    }
  });

  it('with panicOnError, turns a thrown error into a panic and replaces the worker', async () => {
    const strict = await startPoolApp({ size: 1, panicOnError: true });
    try {
      const before = await firstValueFrom(strict.pool.execute(BehaviourJobs, 'threadId'));
      const { error } = await settle(strict.pool.execute(BehaviourJobs, 'throwQuota', 3));
      expect(error).toBeInstanceOf(JobPanicError);
      expect((error as Error).message).toMatch(/threw QuotaError: quota of 3 exceeded \(panicOnError is set\)/);
      expect((error as Error).cause).toMatchObject({ name: 'QuotaError', limit: 3 });
      expect((error as Error).cause).not.toBeInstanceOf(QuotaError);
      const after = await firstValueFrom(strict.pool.execute(BehaviourJobs, 'threadId'));
      expect(after).not.toBe(before);
      expect(strict.pool.status()).toMatchObject({ panics: 1, respawns: 1 });
    } finally {
      await strict.app.close();
    }
  });
});
