import workerpool from 'workerpool';
import { identity, spin, touchBytes } from '../tasks/bench.tasks';

/** workerpool's worker file: registers the jobs by name (`exec(name, [input])`). */
workerpool.worker({
  identity,
  spin,
  copyBytes: touchBytes,
  // Sent back with workerpool's own `Transfer`.
  moveBytes: (bytes: Uint8Array) => new workerpool.Transfer(touchBytes(bytes), [bytes.buffer]),
});
