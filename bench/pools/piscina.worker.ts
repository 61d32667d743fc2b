/** Piscina's worker file: each job is a named export (`run(input, { name })`). */
export { identity, spin } from '../tasks/bench.tasks';
