import { ThreadWorker } from 'poolifier';
import { identity, spin, type SpinInput } from '../tasks/bench.tasks';

/** poolifier's worker file: a ThreadWorker with one task function per job (`execute(input, name)`). */
export default new ThreadWorker<number | SpinInput, number>({
  identity: (input) => identity(input as number),
  spin: (input) => spin(input as SpinInput),
});
