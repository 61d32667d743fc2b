import { join } from 'node:path';

/** The repository root, seen from this file once compiled (dist/bench/bench.paths.js). */
export const REPO_ROOT = join(__dirname, '..', '..');

/** Where results go by default: the source tree's bench/results, not dist. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
