/**
 * Whether a worker loads a file with `require` (CommonJS) or `import()` (an ES module). A worker is plain Node,
 * without the main thread's test runner or bundler, so Node's own rules decide: the extension, then the
 * `type` of the nearest package.json. A file Node's own CommonJS loader has loaded in this thread is CommonJS.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

export type ModuleFormat = 'commonjs' | 'module';

const packageTypes = new Map<string, ModuleFormat>();

export function moduleFormat(file: string): ModuleFormat {
  const extension = extname(file);
  if (extension === '.mjs' || extension === '.mts') return 'module';
  if (extension === '.cjs' || extension === '.cts') return 'commonjs';
  return packageType(dirname(file));
}

/** The `type` of the package scope a folder is in: its nearest package.json, as Node reads it. */
function packageType(folder: string): ModuleFormat {
  const known = packageTypes.get(folder);
  if (known) return known;
  let type: ModuleFormat | undefined;
  try {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { type?: unknown };
    type = manifest.type === 'module' ? 'module' : 'commonjs';
  } catch (error) {
    // No package.json here (or an unreadable one, which Node also skips): the scope is the parent's.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  const parent = dirname(folder);
  type ??= parent === folder || folder.endsWith('/node_modules') ? 'commonjs' : packageType(parent);
  packageTypes.set(folder, type);
  return type;
}

/** How Node itself describes the format, for messages. */
export function describeFormat(format: ModuleFormat): string {
  return format === 'module' ? 'an ES module' : 'CommonJS';
}
