import { join } from 'node:path';
import workerpool from 'workerpool';
import type { TaskInput, TaskName } from '../tasks/bench.tasks';
import type { PoolAdapter, PoolEntry } from './pool.adapter';
import { packageVersion } from './package-version.util';

const WORKER_FILE = join(__dirname, 'workerpool.worker.js');

class WorkerpoolAdapter implements PoolAdapter {
  private pool: workerpool.Pool | undefined;

  start(size: number): Promise<void> {
    this.pool = workerpool.pool(WORKER_FILE, { minWorkers: size, maxWorkers: size, workerType: 'thread' });
    return Promise.resolve();
  }

  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown> {
    if (!this.pool) return Promise.reject(new Error('workerpool: run() before start()'));
    // workerpool's own promise: wrapped so that the workloads get a native one, like from every other pool.
    // Moved with workerpool's own exec option `transfer`.
    const options = task === 'moveBytes' ? { transfer: [(input as Uint8Array).buffer] } : undefined;
    return Promise.resolve(this.pool.exec(task, [input], options));
  }

  async close(): Promise<void> {
    await this.pool?.terminate();
  }
}

export const workerpoolEntry: PoolEntry = {
  name: 'workerpool',
  version: packageVersion('workerpool'),
  settings: "minWorkers = maxWorkers = size, workerType 'thread'",
  create: () => new WorkerpoolAdapter(),
};
