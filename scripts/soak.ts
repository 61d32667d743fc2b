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
 *   --fault-every MS    submit one panicking job (exit / timer throw / out of memory, in turn) every MS ms (default 2000; 0: none)
 *   --seed N            seed of the job mix (default 5)
 *   --max-growth-mb N   heap or RSS growth (after GC, start to end) above which the run fails (default 64)
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
import { JobPanicError, PanicSwitch, Pool, PoolModule } from '../lib';
import { ChaosJobs, ChaosModule, prng } from '../test/fixtures/chaos.jobs';

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
    }),
    ChaosModule,
  ],
})
class SoakModule {}

type Kind = 'ok' | 'okLater' | 'fn' | 'fail' | 'reject' | 'withdrawn' | 'exit' | 'timer' | 'oom';
const PANIC_KINDS: readonly Kind[] = ['exit', 'timer', 'oom'];

const counts = { submitted: 0, completed: 0, failed: 0, panicked: 0, withdrawn: 0, wrong: 0 };
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

/** Runs one job of the given kind; resolves once it has ended, after checking it ended as its kind should. */
function runJob(pool: Pool, kind: Kind, n: number): Promise<void> {
  counts.submitted++;
  const observable =
    kind === 'ok' || kind === 'withdrawn'
      ? pool.execute(ChaosJobs, 'ok', null, n, n)
      : kind === 'okLater'
        ? pool.execute(ChaosJobs, 'okLater', null, n, n)
        : kind === 'fn'
          ? pool.execute(double, n)
          : kind === 'fail'
            ? pool.execute(ChaosJobs, 'fail', null, n)
            : kind === 'reject'
              ? pool.execute(ChaosJobs, 'reject', null, n)
              : kind === 'exit'
                ? pool.execute(ChaosJobs, 'exit', null, n, 3)
                : kind === 'timer'
                  ? pool.execute(ChaosJobs, 'throwFromTimer', null, n)
                  : pool.execute(ChaosJobs, 'exhaustMemory', null, n);
  return new Promise<void>((resolve) => {
    const wrong = (what: string): void => {
      counts.wrong++;
      if (wrongExamples.length < 10) wrongExamples.push(`job ${n} (${kind}): ${what}`);
    };
    let ends = 0;
    const subscription = observable.subscribe({
      next: (value) => {
        const expected = kind === 'fn' ? n * 2 : n;
        if (value !== expected) wrong(`got ${JSON.stringify(value)}`);
      },
      complete: () => {
        if (++ends > 1) return wrong('ended twice');
        if (['ok', 'okLater', 'fn'].includes(kind)) counts.completed++;
        else wrong('completed');
        resolve();
      },
      error: (error: unknown) => {
        if (++ends > 1) return wrong('ended twice');
        const panic = error instanceof JobPanicError;
        if (panic) counts.panicked++;
        else counts.failed++;
        const right =
          (PANIC_KINDS.includes(kind) && panic) ||
          (kind === 'fail' && (error as Error).name === 'ChaosError') ||
          (kind === 'reject' && error instanceof TypeError);
        if (!right) wrong(`failed with ${(error as Error).name}: ${(error as Error).message}`);
        resolve();
      },
    });
    if (kind === 'withdrawn') {
      subscription.unsubscribe();
      counts.withdrawn++;
      resolve();
    }
  });
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(SoakModule, { logger: false });
  const pool = app.get(Pool);
  const random = prng(SEED);
  const pick = (): Kind => {
    const r = random();
    if (r < 0.6) return 'ok';
    if (r < 0.7) return 'okLater';
    if (r < 0.75) return 'fn';
    if (r < 0.85) return 'fail';
    if (r < 0.95) return 'reject';
    return 'withdrawn';
  };

  // Warm-up: let the workers and the main thread reach a steady state before the first memory sample.
  await Promise.all(Array.from({ length: 2_000 }, (_, n) => runJob(pool, 'ok', n)));
  Object.assign(counts, { submitted: 0, completed: 0 });
  const start = await memory();
  const startedAt = Date.now();
  const deadline = startedAt + SECONDS * 1_000;
  console.log(
    `soak: ${SECONDS} s, size ${SIZE}, concurrency ${CONCURRENCY}, a panic every ${FAULT_EVERY_MS || '∞'} ms, seed ${SEED}`,
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
      await runJob(pool, PANIC_KINDS[faults++ % PANIC_KINDS.length], n++);
    }
  };
  const reporter = setInterval(() => {
    const s = pool.status();
    const { heapUsed, rss } = process.memoryUsage();
    console.log(
      `  t+${Math.round((Date.now() - startedAt) / 1000)}s: completed ${counts.completed}, failed ${counts.failed}, ` +
        `panicked ${counts.panicked}, respawns ${s.respawns}, heap ${mb(heapUsed)} MB, rss ${mb(rss)} MB`,
    );
  }, 10_000);
  await Promise.all([...Array.from({ length: CONCURRENCY }, lane), faulter()]);
  clearInterval(reporter);
  await pool.join();
  const fullDeadline = Date.now() + 30_000;
  while (pool.status().idle < SIZE && Date.now() < fullDeadline) await sleep(50);
  const status = pool.status();
  const end = await memory();
  await app.close();

  const heapGrowth = Math.round((end.heapMb - start.heapMb) * 10) / 10;
  const rssGrowth = Math.round((end.rssMb - start.rssMb) * 10) / 10;
  const grew = heapGrowth > MAX_GROWTH_MB || rssGrowth > MAX_GROWTH_MB;
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `done in ${seconds.toFixed(1)} s: submitted ${counts.submitted}, completed ${counts.completed}, ` +
      `failed ${counts.failed}, panicked ${counts.panicked}, withdrawn ${counts.withdrawn}, ` +
      `wrong outcomes ${counts.wrong}`,
  );
  console.log(`pool: respawns ${status.respawns}, panics ${status.panics}, idle ${status.idle}/${status.size}`);
  console.log(`end:   heap ${end.heapMb} MB, rss ${end.rssMb} MB`);
  console.log(
    `growth: heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth} MB, rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth} MB ` +
      `(limit ${MAX_GROWTH_MB} MB${(globalThis as { gc?: unknown }).gc ? '' : '; run with --expose-gc for exact figures'})`,
  );
  for (const example of wrongExamples) console.log(`  wrong: ${example}`);
  const ok = counts.wrong === 0 && !grew && status.idle === SIZE;
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
