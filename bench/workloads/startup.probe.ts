/**
 * Child-process entry of the start-up workload: `node startup.probe.js <pool> <size> <spinIterations>`.
 * A fresh process per measurement, so that no pool finds another's threads, caches or heap. It reports,
 * over IPC, the time from creating the pool to its first result and the process RSS before and after.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { POOLS } from '../pools/pool.registry';
import { spin } from '../tasks/bench.tasks';
import { collectGarbage } from '../stats/gc.util';
import { expectResult } from '../stats/integrity.error';
import { elapsedMs } from '../stats/stats.util';

/** What the probe sends back. */
export interface ProbeReport {
  readonly firstResultMs: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

/** How long the threads get to settle before memory is read. */
const SETTLE_MS = 500;

async function probe(name: string, size: number, spinIterations: number): Promise<ProbeReport> {
  const entry = POOLS.find((pool) => pool.name === name);
  if (!entry) throw new Error(`startup probe: unknown pool ${name}`);
  // Long enough that every worker gets one (a worker still booting leaves more for the others, not none).
  const barrier = Array.from({ length: size * 3 }, (_, i) => ({ iterations: spinIterations * 5, seed: (i % 2) + 1 }));
  const expected = [spin(barrier[0]), spin(barrier[1])];
  collectGarbage();
  await sleep(100);
  const rssBefore = process.memoryUsage().rss;

  const pool = entry.create();
  const start = performance.now();
  await pool.start(size);
  const first = await pool.run('identity', 42);
  const firstResultMs = elapsedMs(start);
  expectResult(name, 'the first identity(42)', first, 42);

  const results = await Promise.all(barrier.map((input) => pool.run('spin', input)));
  results.forEach((value, i) => expectResult(name, `spin(seed ${barrier[i].seed})`, value, expected[i % 2]));
  await sleep(SETTLE_MS);
  collectGarbage();
  const rssAfter = process.memoryUsage().rss;
  return { firstResultMs, rssBefore, rssAfter };
}

const [name = '', size = '', spinIterations = ''] = process.argv.slice(2);
// The pool is not closed: the process ends here, and a pool's close() is not what this measures.
probe(name, Number(size), Number(spinIterations)).then(
  (report) => process.send?.(report, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
