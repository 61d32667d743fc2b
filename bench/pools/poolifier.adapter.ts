import { join } from 'node:path';
import { FixedThreadPool, PoolEvents } from 'poolifier';
import { settlesWithin } from '../stats/deadline.util';
import type { TaskInput, TaskName } from '../tasks/bench.tasks';
import type { PoolAdapter, PoolEntry } from './pool.adapter';
import { packageVersion } from './package-version.util';

const WORKER_FILE = join(__dirname, 'poolifier.worker.js');
const DESTROY_GRACE_MS = 3_000;

class PoolifierAdapter implements PoolAdapter {
  private pool: FixedThreadPool<unknown, unknown> | undefined;

  async start(size: number): Promise<void> {
    const pool = new FixedThreadPool<unknown, unknown>(size, WORKER_FILE, {
      errorHandler: (error) => console.error('poolifier worker error:', error),
    });
    this.pool = pool;
    if (!pool.info.ready) await new Promise<void>((resolve) => pool.emitter?.once(PoolEvents.ready, () => resolve()));
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown> {
    if (!this.pool) return Promise.reject(new Error('poolifier: run() before start()'));
    // Moved with execute()'s own transfer list (poolifier has none for results: they come back copied).
    const transferList = task === 'moveBytes' ? [(input as Uint8Array<ArrayBuffer>).buffer] : undefined;
    return this.pool.execute(input, task, undefined, transferList);
  }

  async close(): Promise<void> {
    if (!this.pool) return;
    // poolifier 5.3.2's destroy() now and then never settles, with its threads gone and nothing left holding
    // the event loop (seen about once in 50 closes of a 2-thread pool): wait a while, then carry on.
    if (!(await settlesWithin(this.pool.destroy(), DESTROY_GRACE_MS))) {
      console.warn(`  note: poolifier destroy() had not settled after ${DESTROY_GRACE_MS / 1000} s; carrying on`);
    }
  }
}

export const poolifier: PoolEntry = {
  name: 'poolifier',
  version: packageVersion('poolifier'),
  settings: 'FixedThreadPool(size), defaults otherwise (round robin, no tasks queue); start waits for "ready"',
  create: () => new PoolifierAdapter(),
};
