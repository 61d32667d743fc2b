/**
 * Imported by the worker's entry before anything that imports Nest: where the main thread found a worker
 * bundle, loads it (one file instead of ~670) and registers an in-thread module hook that answers a load of
 * any file the bundle holds with a stand-in re-exporting the bundle's instance of that module. Whoever imports
 * `@nestjs/common` in the worker, this library, the app's job files or a package they use, by its name or by a
 * deep path, so meets the same classes and metadata keys that the bundle's Nest uses: DI works as without it.
 * A file the bundle does not hold loads from disk as usual.
 */
import * as nodeModule from 'node:module';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  const find = moduleFinder(roots, modules);
  const registerHooks = (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks;
  registerHooks({
    load(url, context, nextLoad) {
      const index = find(url);
      if (index === undefined) return nextLoad(url, context);
      return standIn(index, modules[index][2] === 1, instances[index]);
    },
  });
}

/**
 * The bundle's index of the file at a URL, if it holds that file: looked up by package folder, then by the
 * manifest's own path strings. A URL per bundled file, made up front with `pathToFileURL`, cost each worker
 * about 0.6 MiB of RSS (Node 24, 2 workers: medians 19.6–19.8 against 19.0 MiB, 5 boots each way, twice).
 */
function moduleFinder(roots: readonly string[], modules: WorkerBundle['modules']): (url: string) => number | undefined {
  const byPath = roots.map(() => new Map<string, number>());
  modules.forEach(([pkg, path], index) => byPath[pkg].set(path, index));
  const rootUrls = roots.map((root) => `${pathToFileURL(root).href}/`);
  return (url) => {
    // Every package folder the URL is under: one may sit inside another's node_modules.
    for (let pkg = 0; pkg < rootUrls.length; pkg++) {
      if (!url.startsWith(rootUrls[pkg])) continue;
      const path = fileURLToPath(url)
        .slice(roots[pkg].length + 1)
        .split(sep)
        .join('/');
      const index = byPath[pkg].get(path);
      if (index !== undefined) return index;
    }
    return undefined;
  };
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
