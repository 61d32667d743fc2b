import type { PoolAdapter, PoolEntry } from '../pools/pool.adapter';
import { within } from '../stats/deadline.util';
import { collectGarbage } from '../stats/gc.util';
import { expectResult } from '../stats/integrity.error';

/**
 * The pools in the order of one repeat: rotated by one place each repeat, so every pool runs early and late
 * alike and slow drift of the (shared, noisy) machine spreads over all of them.
 */
export function rotation<T>(items: readonly T[], repeat: number): T[] {
  if (items.length === 0) return [];
  const shift = repeat % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Deadlines for a pool's steps: far beyond normal, there only to turn a hang into an error. */
const START_DEADLINE_MS = 60_000;
const BODY_DEADLINE_MS = 300_000;
const CLOSE_DEADLINE_MS = 30_000;

/** Starts a fresh pool of `size` workers, runs `body` on it and closes it, also when `body` throws. */
export async function withPool<T>(entry: PoolEntry, size: number, body: (pool: PoolAdapter) => Promise<T>): Promise<T> {
  collectGarbage();
  const pool = entry.create();
  try {
    await within(pool.start(size), START_DEADLINE_MS, `${entry.name}: start(${size})`);
    return await within(body(pool), BODY_DEADLINE_MS, `${entry.name}: the measured jobs`);
  } finally {
    await within(pool.close(), CLOSE_DEADLINE_MS, `${entry.name}: close()`);
  }
}

/** Runs `count` identity jobs at once and checks them: warms up the workers and both ends' JIT. */
export async function warmUp(name: string, pool: PoolAdapter, count: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => pool.run('identity', i)));
  results.forEach((value, i) => expectResult(name, `warm-up identity(${i})`, value, i));
}
