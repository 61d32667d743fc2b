import { Tinypool } from 'tinypool';
import { touchBytes } from '../tasks/bench.tasks';

/** Tinypool's worker file: each job is a named export (`run(input, { name })`). */
export { identity, spin } from '../tasks/bench.tasks';

export const copyBytes = touchBytes;

/** Sent back with tinypool's own `Tinypool.move()`. */
export function moveBytes(bytes: Uint8Array): unknown {
  return Tinypool.move(touchBytes(bytes));
}
