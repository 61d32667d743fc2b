import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../bench.paths';

/** The installed version of a package, or this package's own when `name` is omitted. */
export function packageVersion(name?: string): string {
  const file = name ? join(REPO_ROOT, 'node_modules', name, 'package.json') : join(REPO_ROOT, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}
