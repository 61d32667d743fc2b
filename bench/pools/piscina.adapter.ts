import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { TaskInput, TaskName } from '../tasks/bench.tasks';
import type { PoolAdapter, PoolEntry } from './pool.adapter';
import { packageVersion } from './package-version.util';

const WORKER_FILE = join(__dirname, 'piscina.worker.js');

class PiscinaAdapter implements PoolAdapter {
  private pool: Piscina | undefined;

  start(size: number): Promise<void> {
    this.pool = new Piscina({ filename: WORKER_FILE, minThreads: size, maxThreads: size, idleTimeout: 60_000 });
    return Promise.resolve();
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown> {
    if (!this.pool) return Promise.reject(new Error('piscina: run() before start()'));
    // Moved with piscina's own `move()`, which puts the bytes' buffer on the transfer list.
    const sent = task === 'moveBytes' ? Piscina.move(input as Uint8Array) : input;
    return this.pool.run(sent, { name: task }) as Promise<unknown>;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

export const piscina: PoolEntry = {
  name: 'piscina',
  version: packageVersion('piscina'),
  settings: 'minThreads = maxThreads = size, idleTimeout 60 s (defaults otherwise: atomics "sync")',
  create: () => new PiscinaAdapter(),
};
