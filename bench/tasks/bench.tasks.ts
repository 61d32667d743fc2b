/**
 * The job bodies every pool runs: the same functions, imported by each pool's worker file, so that the
 * pools differ only in how they carry a job to a worker and its result back.
 */

/** Input of the CPU-bound job: how many rounds to run, from which seed. */
export interface SpinInput {
  readonly iterations: number;
  readonly seed: number;
}

/** The tiny job: returns its argument. */
export function identity(value: number): number {
  return value;
}

/**
 * The CPU-bound job: a deterministic xorshift loop (no sleeping, no allocation). The same input always gives
 * the same result, so the main thread can check every result against one computed beforehand.
 */
export function spin(input: SpinInput): number {
  let x = input.seed | 0 || 1;
  let acc = 0;
  for (let i = 0; i < input.iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc = (acc + (x & 0xffff)) | 0;
  }
  return acc >>> 0;
}

/**
 * The payload job's body: bumps the first byte and hands the same bytes back. It reads and writes the payload
 * on the worker, so no pool can skip it, at a cost that does not grow with its size: what is timed is carrying
 * the bytes, not working on them.
 */
export function touchBytes(bytes: Uint8Array): Uint8Array {
  bytes[0] = (bytes[0] + 1) & 0xff;
  return bytes;
}

/** The jobs by name, with their input and output. */
export interface BenchTasks {
  identity(value: number): number;
  spin(input: SpinInput): number;
  /** `touchBytes`, the bytes copied (structured clone) both ways. */
  copyBytes(bytes: Uint8Array): Uint8Array;
  /** `touchBytes`, the bytes moved both ways with the pool's own transfer mechanism (where it has one). */
  moveBytes(bytes: Uint8Array): Uint8Array;
}

export type TaskName = keyof BenchTasks;
export type TaskInput<K extends TaskName> = Parameters<BenchTasks[K]>[0];
