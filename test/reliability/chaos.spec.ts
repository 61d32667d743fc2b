/**
 * Issue 5, part 1: chaos under load. A seeded mix of thousands of jobs (results, throws, rejections,
 * process.exit, an uncaught error from a timer, running out of memory, withdrawal before start) runs on one
 * Respawn pool. Every job must end exactly once with the outcome its kind calls for, run at most once, and
 * the pool must end at full size. A smaller mix in a child process checks that nothing is left behind.
 *
 * Reproduce a failure with its seed: CHAOS_SEED=<seed> npx jest test/reliability/chaos.spec.ts
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobPanicError, PanicSwitch, type Pool } from '../../lib';
import { ChaosJobs, ChaosModule, prng, shuffle } from '../fixtures/chaos.jobs';
import { startPoolApp, type PoolApp } from '../fixtures/pool-app';
import { record, shapeOf, type Recording } from '../fixtures/record';
import { waitFor } from '../fixtures/wait-for';

const SEED = Number(process.env.CHAOS_SEED ?? 0x5eed_0005);
const SIZE = 2;
const NORMAL_JOBS = 3_000;
/** Each panic costs a worker boot (~0.5–1 s on 2 cores), so they are few. */
const PANICS = { exit: 3, timer: 3, oom: 1 } as const;
const SETTLE_CAP_MS = 90_000;

type NormalKind = 'ok' | 'okLater' | 'fn' | 'fail' | 'reject' | 'withdrawn';
type PanicKind = keyof typeof PANICS;
// ISSUE-3 (timeouts and cancellation, being added to lib/ now): add two kinds here once they exist:
//   'timeout'       an endless loop stopped by a per-job timeout: JobTimeoutError, the worker replaced;
//   'cancelRunning' unsubscribed while it runs: no notification, the worker freed or replaced.
// Give each a weight in NORMAL_WEIGHTS (or a fixed count in PANICS), a case in submit() and in expectation().
type Kind = NormalKind | PanicKind;

const NORMAL_WEIGHTS: readonly (readonly [NormalKind, number])[] = [
  ['ok', 55],
  ['okLater', 10],
  ['fn', 5],
  ['fail', 12],
  ['reject', 12],
  ['withdrawn', 6],
];

function chaosMix(seed: number): Kind[] {
  const random = prng(seed);
  const total = NORMAL_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  const kinds: Kind[] = [];
  for (let i = 0; i < NORMAL_JOBS; i++) {
    let pick = random() * total;
    const found = NORMAL_WEIGHTS.find(([, weight]) => (pick -= weight) < 0);
    kinds.push(found ? found[0] : 'ok');
  }
  for (const [kind, count] of Object.entries(PANICS) as [PanicKind, number][]) {
    for (let i = 0; i < count; i++) kinds.push(kind);
  }
  return shuffle(kinds, random);
}

/** A self-contained job function: it may only use its arguments and globals. */
const doubleAndCount = (runs: Int32Array, index: number, value: number): number => {
  Atomics.add(runs, index, 1);
  return value * 2;
};

function submit(pool: Pool, kind: Kind, runs: Int32Array, i: number): Recording<unknown> {
  switch (kind) {
    case 'ok':
      return record(pool.execute(ChaosJobs, 'ok', runs, i, { i, text: `job ${i}` }));
    case 'okLater':
      return record(pool.execute(ChaosJobs, 'okLater', runs, i, [i]));
    case 'fn':
      return record(pool.execute(doubleAndCount, runs, i, i));
    case 'fail':
      return record(pool.execute(ChaosJobs, 'fail', runs, i));
    case 'reject':
      return record(pool.execute(ChaosJobs, 'reject', runs, i));
    case 'withdrawn': {
      const rec = record(pool.execute(ChaosJobs, 'ok', runs, i, 'withdrawn'));
      rec.subscription.unsubscribe();
      return rec;
    }
    case 'exit':
      return record(pool.execute(ChaosJobs, 'exit', runs, i, 3));
    case 'timer':
      return record(pool.execute(ChaosJobs, 'throwFromTimer', runs, i));
    case 'oom':
      return record(pool.execute(ChaosJobs, 'exhaustMemory', runs, i));
  }
}

/** What is wrong with job `i`'s outcome, or undefined if it is right for its kind. */
function expectation(kind: Kind, i: number, rec: Recording<unknown>, runs: number): string | undefined {
  const shape = shapeOf(rec);
  const error = rec.errors[0] as (Error & { code?: unknown; workerId?: unknown }) | undefined;
  const wrong = (what: string): string =>
    `#${i} ${kind}: ${what} (shape ${shape}, runs ${runs}, got ${error ? `${error.name}: ${error.message}` : JSON.stringify(rec.values)})`;
  if (kind === 'withdrawn') {
    // Unsubscribed at once: it never runs if it was still queued; if an idle worker took it on subscribe it
    // runs to the end and its result is discarded (README, "Unsubscribing before the job starts").
    if (shape !== 'none') return wrong('a withdrawn job must get no notification');
    return runs <= 1 ? undefined : wrong('a withdrawn job ran more than once');
  }
  if (runs !== 1) return wrong(`ran ${runs} times, not once`);
  const isPanic = (pattern: RegExp): boolean =>
    error instanceof JobPanicError && pattern.test(error.message) && typeof error.workerId === 'number';
  switch (kind) {
    case 'ok':
      return shape === 'value' && JSON.stringify(rec.values[0]) === JSON.stringify({ i, text: `job ${i}` })
        ? undefined
        : wrong('expected its value');
    case 'okLater':
      return shape === 'value' && JSON.stringify(rec.values[0]) === JSON.stringify([i])
        ? undefined
        : wrong('expected its value');
    case 'fn':
      return shape === 'value' && rec.values[0] === i * 2 ? undefined : wrong('expected its value');
    case 'fail':
      return shape === 'error' &&
        error?.name === 'ChaosError' &&
        error.message === `chaos job ${i} threw` &&
        error.code === 'E_CHAOS'
        ? undefined
        : wrong('expected its ChaosError');
    case 'reject':
      return shape === 'error' && error instanceof TypeError && error.message === `chaos job ${i} rejected`
        ? undefined
        : wrong('expected its TypeError');
    case 'exit':
      return shape === 'error' && isPanic(/^Job ChaosJobs\.exit panicked: its worker exited with code 3$/)
        ? undefined
        : wrong('expected a JobPanicError for exit code 3');
    case 'timer':
      return shape === 'error' && isPanic(/uncaught RangeError: chaos job \d+: thrown from a timer/)
        ? undefined
        : wrong('expected a JobPanicError for the timer’s RangeError');
    case 'oom':
      return shape === 'error' && isPanic(/out of memory|ERR_WORKER_OUT_OF_MEMORY/i)
        ? undefined
        : wrong('expected a JobPanicError for running out of memory');
  }
}

async function withCap<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Gave up after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, cap]);
  } finally {
    clearTimeout(timer);
  }
}

describe(`Chaos under load (PanicSwitch.Respawn, seed ${SEED})`, () => {
  let app: PoolApp['app'];
  let pool: Pool;

  beforeAll(async () => {
    ({ app, pool } = await startPoolApp(
      { size: SIZE, panicSwitch: PanicSwitch.Respawn, resourceLimits: { maxOldGenerationSizeMb: 96 } },
      [ChaosModule],
    ));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('ends every job exactly once with the outcome of its kind, runs none twice, and ends at full size', async () => {
    const kinds = chaosMix(SEED);
    const runs = new Int32Array(new SharedArrayBuffer(4 * kinds.length));
    const records: Recording<unknown>[] = [];
    // Submitted in waves, so that panics and respawns happen while jobs keep arriving.
    for (let i = 0; i < kinds.length; i++) {
      records.push(submit(pool, kinds[i], runs, i));
      if (i % 250 === 249) await sleep(5);
    }
    const expected = records.filter((_, i) => kinds[i] !== 'withdrawn');
    await withCap(Promise.all(expected.map((rec) => rec.ended)), SETTLE_CAP_MS, `the chaos jobs to end (seed ${SEED})`);
    await pool.join();
    await sleep(20); // a late second notification would land here

    const problems = kinds
      .map((kind, i) => expectation(kind, i, records[i], Atomics.load(runs, i)))
      .filter((problem): problem is string => problem !== undefined);
    expect({ seed: SEED, problems: problems.slice(0, 20), count: problems.length }).toEqual({
      seed: SEED,
      problems: [],
      count: 0,
    });

    const panics = Object.values(PANICS).reduce((sum, n) => sum + n, 0);
    await waitFor(() => pool.status().idle === SIZE, `the pool to be back at full size (seed ${SEED})`);
    expect({ seed: SEED, status: pool.status() }).toMatchObject({
      seed: SEED,
      status: { state: 'running', size: SIZE, idle: SIZE, busy: 0, starting: 0, queued: 0, panics, respawns: panics },
    });
  }, 150_000);

  it('serves normally after the chaos', async () => {
    const runs = new Int32Array(new SharedArrayBuffer(4 * 200));
    const records = Array.from({ length: 200 }, (_, i) => record(pool.execute(ChaosJobs, 'ok', runs, i, i)));
    await withCap(Promise.all(records.map((rec) => rec.ended)), 30_000, 'the jobs after the chaos');
    expect(records.map(shapeOf)).toEqual(new Array(200).fill('value'));
    expect(records.map((rec) => rec.values[0])).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(Array.from(runs)).toEqual(new Array(200).fill(1));
  });

  it.todo(
    'ISSUE-3: an endless loop stopped by a per-job timeout fails with a timeout error and its worker is replaced',
  );
  it.todo('ISSUE-3: a job cancelled mid-run gets no notification, runs once, and its worker is freed or replaced');
});

describe('Chaos leaves nothing behind (child process)', () => {
  it('after app.close(), no worker, message port or timer is left and the process ends on its own', async () => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--require', '@swc-node/register', join('test', 'fixtures', 'chaos-leak-app.ts')],
      { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A cap, not a timing assertion: a process that does not end is what this test is about.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(guard);

    const lines = stdout.split('\n').filter((line) => line.startsWith('{'));
    expect({ code, stderr: stderr.slice(-2000), lines: lines.length }).toEqual({ code: 0, stderr: '', lines: 1 });
    const report = JSON.parse(lines[0]) as {
      outcomes: Record<string, number>;
      leftBehind: Record<string, number>;
      status: unknown;
    };
    expect(report.outcomes).toEqual({ value: 240, error: 42, none: 5 });
    expect(report.leftBehind).toEqual({});
    expect(report.status).toMatchObject({ state: 'closed', busy: 0, queued: 0, panics: 2, respawns: 2 });
  }, 90_000);
});
