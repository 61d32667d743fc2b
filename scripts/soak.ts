/**
 * Soak test: runs a mix of jobs with faults on a real pool for a while, then reports what happened and
 * whether memory grew. Not part of `npm test`.
 *
 *   npm run soak -- --seconds 60
 *   node --expose-gc --require @swc-node/register scripts/soak.ts --seconds 600 --size 3 --fault-every 1000
 *
 * Options (all optional):
 *   --seconds N         how long to submit jobs (default 60)
 *   --size N            pool size (default 2)
 *   --concurrency N     jobs in flight at any time (default 64)
 *   --fault-every MS    submit one faulty job every MS ms (default 2000; 0: none), in turn: a panic (exit, timer
 *                       throw, out of memory), an endless loop stopped by a run timeout, an endless loop
 *                       cancelled mid-run by an AbortSignal; each costs a replacement worker
 *   --seed N            seed of the job mix (default 5)
 *   --max-growth-mb N   heap or RSS growth (after GC, start to end) above which the run fails (default 64)
 *
 * Besides results and errors, the mix has cooperative jobs that stop on their signal: cancelled mid-run by
 * unsubscribing (they must get no notification) or by an AbortSignal (one JobCancelledError), or timed out;
 * and jobs aborted while still queued (one JobCancelledError) or given a queue timeout of a few ms (their value,
 * or one JobQueueTimeoutError). At the end the queue must be empty and `stats().jobs` must add up to the jobs
 * submitted. The seed is printed first: replay a failing run with `--seed`.
 *
 * Memory is sampled after a warm-up and at the end, each after a full GC when --expose-gc is given (the npm
 * script gives it). RSS includes the workers, which are threads of this process. Exit code: 0 when every
 * job ended as its kind should and memory did not grow past the limit, 1 otherwise.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Observable } from 'rxjs';
import {
  JobCancelledError,
  JobPanicError,
  JobQueueTimeoutError,
  JobTimeoutError,
  PanicSwitch,
  Pool,
  PoolModule,
} from '../lib';
import { ChaosJobs, ChaosModule, prng, started } from '../test/fixtures/chaos.jobs';

const { values: argv } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    size: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    'fault-every': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '5' },
    'max-growth-mb': { type: 'string', default: '64' },
  },
});
const SECONDS = Number(argv.seconds);
const SIZE = Number(argv.size);
const CONCURRENCY = Number(argv.concurrency);
const FAULT_EVERY_MS = Number(argv['fault-every']);
const SEED = Number(argv.seed);
const MAX_GROWTH_MB = Number(argv['max-growth-mb']);
for (const [name, value] of Object.entries({ SECONDS, SIZE, CONCURRENCY, FAULT_EVERY_MS, SEED, MAX_GROWTH_MB })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`soak: bad value for ${name}: ${value}`);
}

@Module({
  imports: [
    PoolModule.forRoot({
      size: SIZE,
      panicSwitch: PanicSwitch.Respawn,
      resourceLimits: { maxOldGenerationSizeMb: 96 },
      workerLogLevels: false,
      cancelGrace: 200,
    }),
    ChaosModule,
  ],
})
class SoakModule {}

type Kind =
  | 'ok'
  | 'okLater'
  | 'fn'
  | 'fail'
  | 'reject'
  | 'withdrawn'
  | 'exit'
  | 'timer'
  | 'oom'
  | 'cooperativeTimeout'
  | 'cooperativeUnsubscribed'
  | 'cooperativeAborted'
  | 'endlessTimeout'
  | 'endlessAborted'
  | 'abortedQueued'
  | 'queueTimedOut';
const PANIC_KINDS: readonly Kind[] = ['exit', 'timer', 'oom'];
const FAULT_KINDS: readonly Kind[] = ['exit', 'endlessTimeout', 'timer', 'endlessAborted', 'oom'];
/** Run timeouts of the jobs that get one. */
const TIMEOUT = { cooperativeTimeout: 20, endlessTimeout: 100 } as const;
/** How early a run timeout may fire: none. */
const EARLY_TIMER_SLACK_MS = 0;

const counts = {
  submitted: 0,
  completed: 0,
  failed: 0,
  panicked: 0,
  timedOut: 0,
  queueTimedOut: 0,
  cancelled: 0,
  withdrawn: 0,
  wrong: 0,
};
const wrongExamples: string[] = [];

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

async function memory(): Promise<{ heapMb: number; rssMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await sleep(50);
    gc();
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: mb(heapUsed), rssMb: mb(rss) };
}

const double = (value: number): number => value * 2;

/** The job for a kind; `flag[0]` marks that it has started (for the kinds cancelled mid-run). */
function observe(pool: Pool, kind: Kind, n: number, flag: Int32Array, signal: AbortSignal): Observable<unknown> {
  switch (kind) {
    case 'ok':
    case 'withdrawn':
      return pool.execute(ChaosJobs, 'ok', null, n, n);
    case 'okLater':
      return pool.execute(ChaosJobs, 'okLater', null, n, n);
    case 'fn':
      return pool.execute(double, n);
    case 'fail':
      return pool.execute(ChaosJobs, 'fail', null, n);
    case 'reject':
      return pool.execute(ChaosJobs, 'reject', null, n);
    case 'exit':
      return pool.execute(ChaosJobs, 'exit', null, n, 3);
    case 'timer':
      return pool.execute(ChaosJobs, 'throwFromTimer', null, n);
    case 'oom':
      return pool.execute(ChaosJobs, 'exhaustMemory', null, n);
    case 'cooperativeTimeout':
      return pool.with({ timeout: TIMEOUT.cooperativeTimeout }).execute(ChaosJobs, 'cooperate', flag, 0, null);
    case 'cooperativeUnsubscribed':
      return pool.execute(ChaosJobs, 'cooperate', flag, 0, null);
    case 'cooperativeAborted':
      return pool.with({ signal }).execute(ChaosJobs, 'cooperate', flag, 0, null);
    case 'endlessTimeout':
      return pool.with({ timeout: TIMEOUT.endlessTimeout }).execute(ChaosJobs, 'spinForever', flag, 0);
    case 'endlessAborted':
      return pool.with({ signal }).execute(ChaosJobs, 'spinForever', flag, 0);
    case 'abortedQueued':
      return pool.with({ signal }).execute(ChaosJobs, 'ok', null, n, n);
    case 'queueTimedOut':
      return pool.with({ queueTimeout: 1 + (n % 5) }).execute(ChaosJobs, 'ok', null, n, n);
  }
}

/** Whether a job of this kind may end with this error. */
function rightError(kind: Kind, error: unknown, reason: Error): boolean {
  if (PANIC_KINDS.includes(kind)) return error instanceof JobPanicError;
  switch (kind) {
    case 'fail':
      return (error as Error).name === 'ChaosError';
    case 'reject':
      return error instanceof TypeError;
    case 'cooperativeTimeout':
    case 'endlessTimeout':
      return error instanceof JobTimeoutError && error.ranMs >= TIMEOUT[kind] - EARLY_TIMER_SLACK_MS;
    case 'cooperativeAborted':
    case 'endlessAborted':
    case 'abortedQueued':
      return error instanceof JobCancelledError && error.cause === reason;
    case 'queueTimedOut':
      return error instanceof JobQueueTimeoutError;
    default:
      return false;
  }
}

/** Runs one job of the given kind; resolves once it has ended, after checking it ended as its kind should. */
function runJob(pool: Pool, kind: Kind, n: number): Promise<void> {
  counts.submitted++;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const controller = new AbortController();
  const reason = new Error(`soak job ${n} aborted`);
  const observable = observe(pool, kind, n, flag, controller.signal);
  return new Promise<void>((resolve) => {
    const wrong = (what: string): void => {
      counts.wrong++;
      if (wrongExamples.length < 10) wrongExamples.push(`job ${n} (${kind}): ${what}`);
    };
    const silent = kind === 'withdrawn' || kind === 'cooperativeUnsubscribed';
    let ends = 0;
    const subscription = observable.subscribe({
      next: (value) => {
        const expected = kind === 'fn' ? n * 2 : n;
        if (silent) wrong(`got ${JSON.stringify(value)} after unsubscribing`);
        else if (value !== expected) wrong(`got ${JSON.stringify(value)}`);
      },
      complete: () => {
        if (++ends > 1) return wrong('ended twice');
        if (silent) return wrong('completed after unsubscribing');
        if (['ok', 'okLater', 'fn', 'queueTimedOut'].includes(kind)) counts.completed++;
        else wrong('completed');
        resolve();
      },
      error: (error: unknown) => {
        if (++ends > 1) return wrong('ended twice');
        if (silent) return wrong(`failed after unsubscribing: ${(error as Error).message}`);
        if (error instanceof JobPanicError) counts.panicked++;
        else if (error instanceof JobTimeoutError) counts.timedOut++;
        else if (error instanceof JobQueueTimeoutError) counts.queueTimedOut++;
        else if (error instanceof JobCancelledError) counts.cancelled++;
        else counts.failed++;
        if (!rightError(kind, error, reason)) {
          const ran = error instanceof JobTimeoutError ? ` (ranMs ${error.ranMs})` : '';
          wrong(`failed with ${(error as Error).name}: ${(error as Error).message}${ran}`);
        }
        resolve();
      },
    });
    if (kind === 'withdrawn') {
      subscription.unsubscribe();
      counts.withdrawn++;
      resolve();
    } else if (kind === 'cooperativeUnsubscribed') {
      void started(flag, 0).then(() => {
        subscription.unsubscribe();
        counts.cancelled++;
        resolve();
      });
    } else if (kind === 'cooperativeAborted' || kind === 'endlessAborted') {
      void started(flag, 0).then(() => controller.abort(reason));
    } else if (kind === 'abortedQueued') {
      // At once: with 64 jobs in flight on a few workers, it is almost always still queued.
      controller.abort(reason);
    }
  });
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(SoakModule, { logger: false });
  const pool = app.get(Pool);
  const random = prng(SEED);
  const pick = (): Kind => {
    const r = random();
    if (r < 0.56) return 'ok';
    if (r < 0.58) return 'abortedQueued';
    if (r < 0.6) return 'queueTimedOut';
    if (r < 0.7) return 'okLater';
    if (r < 0.75) return 'fn';
    if (r < 0.85) return 'fail';
    if (r < 0.93) return 'reject';
    if (r < 0.96) return 'withdrawn';
    if (r < 0.97) return 'cooperativeTimeout';
    if (r < 0.985) return 'cooperativeUnsubscribed';
    return 'cooperativeAborted';
  };

  // Warm-up: let the workers and the main thread reach a steady state before the first memory sample.
  await Promise.all(Array.from({ length: 2_000 }, (_, n) => runJob(pool, 'ok', n)));
  Object.assign(counts, { submitted: 0, completed: 0 });
  const statsBefore = pool.stats().jobs;
  const start = await memory();
  const startedAt = Date.now();
  const deadline = startedAt + SECONDS * 1_000;
  console.log(
    `soak: ${SECONDS} s, size ${SIZE}, concurrency ${CONCURRENCY}, a fault every ${FAULT_EVERY_MS || '∞'} ms, seed ${SEED}`,
  );
  console.log(`start: heap ${start.heapMb} MB, rss ${start.rssMb} MB`);

  let n = 0;
  let faults = 0;
  const lane = async (): Promise<void> => {
    while (Date.now() < deadline) await runJob(pool, pick(), n++);
  };
  const faulter = async (): Promise<void> => {
    if (FAULT_EVERY_MS === 0) return;
    for (;;) {
      await sleep(FAULT_EVERY_MS);
      if (Date.now() >= deadline) return;
      await runJob(pool, FAULT_KINDS[faults++ % FAULT_KINDS.length], n++);
    }
  };
  const reporter = setInterval(() => {
    const s = pool.status();
    const { heapUsed, rss } = process.memoryUsage();
    console.log(
      `  t+${Math.round((Date.now() - startedAt) / 1000)}s: completed ${counts.completed}, failed ${counts.failed}, ` +
        `panicked ${counts.panicked}, timed out ${counts.timedOut}, cancelled ${counts.cancelled}, ` +
        `respawns ${s.respawns}, heap ${mb(heapUsed)} MB, rss ${mb(rss)} MB`,
    );
  }, 10_000);
  await Promise.all([...Array.from({ length: CONCURRENCY }, lane), faulter()]);
  clearInterval(reporter);
  await pool.join();
  const fullDeadline = Date.now() + 30_000;
  while (pool.status().idle < SIZE && Date.now() < fullDeadline) await sleep(50);
  const status = pool.status();
  const statsNow = pool.stats().jobs;
  const counted = (Object.keys(statsNow) as (keyof typeof statsNow)[]).reduce(
    (sum, key) => sum + statsNow[key] - statsBefore[key],
    0,
  );
  const end = await memory();
  await app.close();

  const heapGrowth = Math.round((end.heapMb - start.heapMb) * 10) / 10;
  const rssGrowth = Math.round((end.rssMb - start.rssMb) * 10) / 10;
  const grew = heapGrowth > MAX_GROWTH_MB || rssGrowth > MAX_GROWTH_MB;
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `done in ${seconds.toFixed(1)} s: submitted ${counts.submitted}, completed ${counts.completed}, ` +
      `failed ${counts.failed}, panicked ${counts.panicked}, timed out ${counts.timedOut}, ` +
      `queue timed out ${counts.queueTimedOut}, cancelled ${counts.cancelled}, withdrawn ${counts.withdrawn}, ` +
      `wrong outcomes ${counts.wrong}`,
  );
  console.log(`stats: ${JSON.stringify(statsNow)}; counted ${counted} of ${counts.submitted} submitted`);
  console.log(
    `pool: respawns ${status.respawns}, panics ${status.panics}, idle ${status.idle}/${status.size}, ` +
      `queued ${status.queued}`,
  );
  console.log(`end:   heap ${end.heapMb} MB, rss ${end.rssMb} MB`);
  console.log(
    `growth: heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth} MB, rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth} MB ` +
      `(limit ${MAX_GROWTH_MB} MB${(globalThis as { gc?: unknown }).gc ? '' : '; run with --expose-gc for exact figures'})`,
  );
  for (const example of wrongExamples) console.log(`  wrong: ${example}`);
  const ok = counts.wrong === 0 && !grew && status.idle === SIZE && status.queued === 0 && counted === counts.submitted;
  console.log(ok ? 'PASS' : `FAIL (replay: --seed ${SEED})`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
