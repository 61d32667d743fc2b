/**
 * Issue 14, items 3, 4, 6 and 7: values that cross threads oddly. Results, stream items and progress nested
 * deeper than the main thread can read, every shape a job can throw, messages a job forges on its worker's
 * port, sparse arrays and stream items that cannot be cloned. Each must fail at most its own job, clearly,
 * and leave the same worker serving (the pool has one worker, so the next job shows which thread it ran on).
 */
import { firstValueFrom } from 'rxjs';
import { JobResultError, PanicSwitch, type KillReport } from '../../lib';
import { FORGED, OddValuesJobs, OddValuesModule, THROWN } from '../fixtures/odd-values.jobs';
import { startPoolApp, type PoolApp } from '../fixtures/pool-app';
import { settle } from '../fixtures/settle';

describe('values crossing threads', () => {
  let app: PoolApp['app'];
  let pool: PoolApp['pool'];
  let workerThread: number;
  const kills: KillReport[] = [];

  beforeAll(async () => {
    // Kill, so that any panic shows (onKill records it instead of ending jest); a grace no slow machine exceeds.
    ({ app, pool } = await startPoolApp(
      { size: 1, panicSwitch: PanicSwitch.Kill, onKill: (report) => kills.push(report), cancelGrace: 30_000 },
      [OddValuesModule],
    ));
    workerThread = await firstValueFrom(pool.execute(OddValuesJobs, 'threadId'));
  });
  afterAll(() => app.close());

  /** The pool is as it should be after each test: no panic, the same worker idle and serving. */
  afterEach(async () => {
    expect(kills).toEqual([]);
    expect(await firstValueFrom(pool.execute(OddValuesJobs, 'threadId'))).toBe(workerThread);
    expect(pool.status()).toMatchObject({ busy: 0, idle: 1, panics: 0, respawns: 0 });
  });

  describe('nesting deeper than the main thread can read (item 3)', () => {
    it('lets a result nested 1,000 levels deep arrive intact', async () => {
      const outcome = await settle(pool.execute(OddValuesJobs, 'nested', 1_000, 'object'));
      expect(outcome.completed).toBe(true);
      let depth = 0;
      for (let at = outcome.values[0] as { next?: unknown }; typeof at === 'object'; depth++) {
        at = at.next as { next?: unknown };
      }
      expect(depth).toBe(1_000);
    });

    it.each([
      ['objects', 1_001, 'object'],
      ['objects', 3_000, 'object'],
      ['arrays', 6_000, 'array'],
      ['maps', 10_000, 'map'],
    ] as const)('fails a result of %s nested %d deep with JobResultError naming where', async (_, levels, kind) => {
      const outcome = await settle(pool.execute(OddValuesJobs, 'nested', levels, kind));
      expect(outcome.values).toEqual([]);
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(
        /result(\.next|\[0\]|\.get\("next"\))+ is nested more than 1000/,
      );
    });

    it('fails a promised result nested too deep in the same way', async () => {
      const outcome = await settle(pool.execute(OddValuesJobs, 'nestedLater', 5_000));
      expect(outcome.error).toBeInstanceOf(JobResultError);
    });

    it('fails a stream at an item nested too deep, after the items before it, and runs its finally', async () => {
      const flags = new Int32Array(new SharedArrayBuffer(4));
      const outcome = await settle(pool.execute(OddValuesJobs, 'nestedItem', 8_000, flags));
      expect(outcome.values).toEqual(['first']);
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(/item 1 .*nested more than 1000/);
      expect(Atomics.load(flags, 0)).toBe(1);
    });

    it('throws JobResultError from progress() given a value nested too deep; the job fails with it', async () => {
      const progress: unknown[] = [];
      const outcome = await settle(
        pool.with({ onProgress: (value) => progress.push(value) }).execute(OddValuesJobs, 'nestedProgress', 6_000),
      );
      expect(progress).toEqual(['before']);
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(/progress\(\) cannot send this value: progress value/);
    });
  });

  it('throws JobResultError from progress() given a value that cannot be cloned', async () => {
    const outcome = await settle(
      pool.with({ onProgress: () => undefined }).execute(OddValuesJobs, 'uncloneableProgress'),
    );
    expect(outcome.error).toBeInstanceOf(JobResultError);
    expect((outcome.error as Error).message).toMatch(/progress\(\) cannot send this value: .*could not be cloned/);
  });

  describe('every thrown shape is a plain failure of its job (item 4)', () => {
    it.each(Object.keys(THROWN))('%s, thrown or rejected', async (shape) => {
      for (const method of ['throwShape', 'rejectShape'] as const) {
        const outcome = await settle(pool.execute(OddValuesJobs, method, shape));
        expect(outcome.completed).toBe(false);
        expect(outcome.error).toBeInstanceOf(Error);
        const { name, message, stack } = outcome.error as Error;
        expect(typeof name).toBe('string');
        expect(typeof message).toBe('string');
        expect(typeof stack).toBe('string');
        expect(String(outcome.error)).toEqual(expect.any(String));
      }
    });

    it('keeps what can be kept of odd errors', async () => {
      const failure = async (shape: string): Promise<Error & Record<string, unknown>> =>
        (await settle(pool.execute(OddValuesJobs, 'throwShape', shape))).error as Error & Record<string, unknown>;
      expect(await failure('an Error whose message is an object')).toMatchObject({
        message: "(the error's message is not a string: [object Object])",
      });
      expect((await failure('an Error whose stack getter throws')).message).toBe('s');
      expect(await failure('a subclass with properties')).toMatchObject({ name: 'QuotaError', code: 'E', limit: 3 });
      expect((await failure('an Error with a function property')).retry).toMatch(/=>\s*1/);
      expect((await failure('an Error with a property nested 3,000 deep')).tree).toMatch(/nested more than 1000/);
      expect((await failure('a Proxy whose traps all throw')).message).toMatch(/non-Error value: object/);
    });
  });

  it('lets a job log errors and values that cannot be shown as they are', async () => {
    expect(await firstValueFrom(pool.execute(OddValuesJobs, 'logOdd'))).toBe('logged');
  });

  describe('messages a job forges on its worker’s port (item 7)', () => {
    it.each(Object.keys(FORGED))('%s harms no more than its own job', async (name) => {
      const outcome = await settle(pool.execute(OddValuesJobs, 'forge', name));
      if (outcome.error !== undefined) expect(outcome.error).toBeInstanceOf(Error);
      else expect(outcome.completed).toBe(true);
    });

    it('fails the job that sent what the main thread cannot read, with JobResultError', async () => {
      const outcome = await settle(pool.execute(OddValuesJobs, 'forge', 'a message the main thread cannot read'));
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(/could not be read on the main thread/);
    });

    it('does the same when that message is read in the turn of the one before it', async () => {
      const progress: unknown[] = [];
      const outcome = await settle(
        pool.with({ onProgress: (value) => progress.push(value) }).execute(OddValuesJobs, 'forgeAfterProgress'),
      );
      expect(progress).toEqual(['readable']);
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(/could not be read on the main thread/);
    });
  });

  describe('streams and sparse arrays (items 6 and 7)', () => {
    it('fails a stream whose item cannot be cloned, and runs its finally', async () => {
      const flags = new Int32Array(new SharedArrayBuffer(4));
      const outcome = await settle(pool.execute(OddValuesJobs, 'uncloneableItem', flags));
      expect(outcome.values).toEqual(['first']);
      expect(outcome.error).toBeInstanceOf(JobResultError);
      expect((outcome.error as Error).message).toMatch(/item 1 cannot be sent back/);
      expect(Atomics.load(flags, 0)).toBe(1);
    });

    it('sends a sparse array as it is', async () => {
      const sparse: unknown[] = [];
      sparse[10_000_000] = 'last';
      sparse[3] = { at: 3 };
      expect(await firstValueFrom(pool.execute(OddValuesJobs, 'describeSparse', sparse))).toEqual({
        length: 10_000_001,
        indices: ['3', '10000000'],
      });
    });
  });
});
