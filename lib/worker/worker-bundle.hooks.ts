/**
 * Imported by the worker's entry before anything that imports Nest: where the main thread found a worker
 * bundle, loads it (one file instead of ~670) and registers an in-thread module hook that answers a load of
 * any file the bundle holds with a stand-in re-exporting the bundle's instance of that module. Whoever imports
 * `@nestjs/common` in the worker, this library, the app's job files or a package they use, by its name or by a
 * deep path, so meets the same classes and metadata keys that the bundle's Nest uses: DI works as without it.
 * A file the bundle does not hold loads from disk as usual.
 */
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import type { WorkerBootData, WorkerBundle } from '../protocol/messages';

/** Where the stand-ins find the bundle's modules. */
const KEY = 'nestjs-poolio.worker-bundle';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

interface LoadResult {
  readonly format: string;
  readonly source?: string;
  readonly shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: unknown) => LoadResult;
type RegisterHooks = (hooks: { load(url: string, context: unknown, nextLoad: NextLoad): LoadResult }) => unknown;

const bundle = (workerData as WorkerBootData | null)?.loader?.bundle;
if (bundle) installBundle(bundle);

function installBundle({ file, roots, modules }: WorkerBundle): void {
  const instances = (require(file) as { modules: unknown[] }).modules;
  (globalThis as Record<symbol, unknown>)[Symbol.for(KEY)] = instances;
  const byUrl = new Map<string, number>();
  modules.forEach(([pkg, path], index) => byUrl.set(pathToFileURL(join(roots[pkg], path)).href, index));
  const registerHooks = (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks;
  registerHooks({
    load(url, context, nextLoad) {
      const index = byUrl.get(url);
      if (index === undefined) return nextLoad(url, context);
      return standIn(index, modules[index][2] === 1, instances[index]);
    },
  });
}

/** A module that is the bundle's instance: its `module.exports`, or its exports one by one. */
function standIn(index: number, commonJs: boolean, instance: unknown): LoadResult {
  const lookup = `globalThis[Symbol.for(${JSON.stringify(KEY)})][${index}]`;
  const names = instance !== null && typeof instance === 'object' ? Object.keys(instance) : [];
  if (commonJs) {
    // The dead assignment names the exports for Node's CommonJS lexer, so that `import { x }` of it works.
    const named = names.filter((name) => IDENTIFIER.test(name)).map((name) => `${JSON.stringify(name)}: _`);
    const source = `module.exports = ${lookup};\n0 && (module.exports = { ${named.join(', ')} });\n`;
    return { format: 'commonjs', source, shortCircuit: true };
  }
  const lines = [`const ns = ${lookup};`];
  names.forEach((name, i) => lines.push(`const e${i} = ns[${JSON.stringify(name)}];`));
  lines.push(`export { ${names.map((name, i) => `e${i} as ${JSON.stringify(name)}`).join(', ')} };`);
  return { format: 'module', source: lines.join('\n'), shortCircuit: true };
}
