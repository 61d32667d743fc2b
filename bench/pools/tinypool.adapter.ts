import { join } from 'node:path';
import { Tinypool } from 'tinypool';
import type { TaskInput, TaskName } from '../tasks/bench.tasks';
import type { PoolAdapter, PoolEntry } from './pool.adapter';
import { packageVersion } from './package-version.util';

const WORKER_FILE = join(__dirname, 'tinypool.worker.js');

class TinypoolAdapter implements PoolAdapter {
  private pool: Tinypool | undefined;

  start(size: number): Promise<void> {
    this.pool = new Tinypool({ filename: WORKER_FILE, minThreads: size, maxThreads: size, idleTimeout: 60_000 });
    return Promise.resolve();
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown> {
    if (!this.pool) return Promise.reject(new Error('tinypool: run() before start()'));
    // Moved with tinypool's own `Tinypool.move()`, which puts the bytes' buffer on the transfer list.
    const sent = task === 'moveBytes' ? Tinypool.move(input as Uint8Array) : input;
    return this.pool.run(sent, { name: task }) as Promise<unknown>;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

export const tinypool: PoolEntry = {
  name: 'tinypool',
  version: packageVersion('tinypool'),
  settings: 'minThreads = maxThreads = size, idleTimeout 60 s (defaults otherwise: worker_threads, useAtomics)',
  create: () => new TinypoolAdapter(),
};
