import { move } from 'piscina';
import { touchBytes } from '../tasks/bench.tasks';

/** Piscina's worker file: each job is a named export (`run(input, { name })`). */
export { identity, spin } from '../tasks/bench.tasks';

export const copyBytes = touchBytes;

/** Sent back with piscina's own `move()`. */
export function moveBytes(bytes: Uint8Array): unknown {
  return move(touchBytes(bytes));
}
