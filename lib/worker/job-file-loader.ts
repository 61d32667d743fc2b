/**
 * Worker side: loads the files that define the job classes and their modules, each as the app loads it:
 * `require` for CommonJS, `import()` for ES modules (so loader hooks apply), after registering the ES-module
 * hook that compiles TypeScript when the main thread asked for one.
 */
import { register } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExportRef, JobFile, WorkerLoader } from '../protocol/messages';
import { withBootPhase } from './boot-phase';

/**
 * A real `import()`: TypeScript compiled to CommonJS (as swc does for this library's own sources in tests)
 * would turn the expression into `require`, which runs no ES-module loader hook.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

type Exports = Record<string, unknown>;

export class JobFileLoader {
  private readonly loaded = new Map<string, Promise<Exports>>();
  private hooked = false;

  constructor(
    /** The `jobFiles` to search by class name for refs without a file. */
    private readonly files: readonly JobFile[],
    private readonly loader: WorkerLoader,
  ) {}

  /** The class `ref` names; throws, with the boot phase set, when its file cannot be loaded or lacks it. */
  async load(ref: ExportRef): Promise<Function> {
    const candidates: readonly JobFile[] = ref.file ? [ref] : this.files;
    for (const file of candidates) {
      const exports = await this.exportsOf(file, ref.className);
      const value = ref.exportName ? exports[ref.exportName] : findByName(exports, ref.className);
      if (typeof value === 'function' && value.name === ref.className) return value;
    }
    const where = candidates.map((file) => file.file).join(', ') || 'any of the jobFiles';
    throw withBootPhase(
      new Error(`${ref.className} is not exported by ${where}`),
      `loading ${ref.className} failed: export it from its file`,
    );
  }

  private exportsOf(file: JobFile, className: string): Promise<Exports> {
    let exports = this.loaded.get(file.file);
    if (!exports) {
      exports = this.read(file).catch((error: unknown) => {
        throw withBootPhase(error, this.describeFailure(file, className, error));
      });
      this.loaded.set(file.file, exports);
    }
    return exports;
  }

  private async read({ file, format }: JobFile): Promise<Exports> {
    if (format === 'commonjs') return require(file) as Exports;
    if (this.loader.moduleHook && !this.hooked) {
      register(this.loader.moduleHook, pathToFileURL(`${process.cwd()}/`));
      this.hooked = true;
    }
    return (await importModule(pathToFileURL(file).href)) as Exports;
  }

  private describeFailure(file: JobFile, className: string, error: unknown): string {
    const as = file.format === 'module' ? 'an ES module (import())' : 'CommonJS (require)';
    return `loading ${file.file} (for ${className}) as ${as} with ${this.loader.description} failed; ${fixFor(file, error)}`;
  }
}

function fixFor(file: JobFile, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const typescript = /^\.(c|m)?tsx?$/.test(extname(file.file));
  if (typescript && (code === 'ERR_UNKNOWN_FILE_EXTENSION' || error instanceof SyntaxError)) {
    return (
      'TypeScript job files need a loader in the workers: install @swc-node/register and @swc/core as dev ' +
      'dependencies (the pool registers them), or run the compiled JavaScript'
    );
  }
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    return (
      'an import in it cannot be resolved in a plain Node worker: check that the file runs with plain node ' +
      '(compiled output, no bundler aliases), or list files that do in the pool option jobFiles'
    );
  }
  return 'fix the error it threw (in cause), or list loadable files in the pool option jobFiles';
}

function findByName(exports: Exports, className: string): unknown {
  if (typeof exports === 'function' && (exports as Function).name === className) return exports;
  return Object.values(exports).find((value) => typeof value === 'function' && value.name === className);
}
