import type { TaskInput, TaskName } from '../tasks/bench.tasks';

/**
 * One running pool as the benchmark drives it. An adapter is used once: `start`, any number of `run`s,
 * `close`. Every pool gets the same calls, so a workload never knows which pool it measures.
 */
export interface PoolAdapter {
  /** Starts a pool of `size` workers; resolves once the pool accepts jobs. */
  start(size: number): Promise<void>;
  /** Runs one job on a worker and resolves with what the worker returned (checked by the caller). */
  run<K extends TaskName>(task: K, input: TaskInput<K>): Promise<unknown>;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** A pool the benchmark knows: its name, its version and how to make a fresh adapter. */
export interface PoolEntry {
  /** Short name, as given to `--pools`. */
  readonly name: string;
  readonly version: string;
  /** Options that differ from the pool's defaults, for the report. */
  readonly settings: string;
  create(): PoolAdapter;
}
