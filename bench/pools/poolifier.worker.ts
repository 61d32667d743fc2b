import { ThreadWorker } from 'poolifier';
import { identity, spin, touchBytes, type SpinInput } from '../tasks/bench.tasks';

/**
 * poolifier's worker file: a ThreadWorker with one task function per job (`execute(input, name)`). poolifier
 * 5.3 has no way to transfer a result, so `moveBytes` is moved to the worker and copied back.
 */
export default new ThreadWorker<number | SpinInput | Uint8Array, number | Uint8Array>({
  identity: (input) => identity(input as number),
  spin: (input) => spin(input as SpinInput),
  copyBytes: (input) => touchBytes(input as Uint8Array),
  moveBytes: (input) => touchBytes(input as Uint8Array),
});
