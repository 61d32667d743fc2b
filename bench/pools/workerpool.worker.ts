import workerpool from 'workerpool';
import { identity, spin } from '../tasks/bench.tasks';

/** workerpool's worker file: registers the jobs by name (`exec(name, [input])`). */
workerpool.worker({ identity, spin });
