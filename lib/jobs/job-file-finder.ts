import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoolConfigError } from '../errors/pool-config.error';
import type { ExportRef, JobFile } from '../protocol/messages';
import { ExportLocator } from './export-locator';
import { describeFormat, moduleFormat, type ModuleFormat } from './module-format';
import { ScriptLocator } from './script-locator';

/**
 * Finds, in the main thread, the files a pool's workers load: the file defining each job class and each module
 * that hosts one, whatever the app's module format. The CommonJS cache answers first (it also names the
 * export); V8's record of where the class was compiled answers for ES modules; the file `@PoolJob()` saw on
 * its stack comes last.
 */
export class JobFileFinder {
  private readonly scripts = new ScriptLocator();
  private readonly entry = appEntry();

  /**
   * @param pool the pool's name, for messages (`null`: the default pool)
   * @param exports the CommonJS cache's index, shared by every pool of the app so that it is built once
   */
  constructor(
    private readonly pool: string | null,
    private readonly exports = new ExportLocator(),
  ) {}

  find(type: Function, role: string, declaredIn: string | undefined): ExportRef {
    const cached = this.exports.find(type);
    if (cached) return this.checked({ ...cached, format: moduleFormat(cached.file) }, type, role);
    const located = this.scripts.locate(type);
    const file = 'file' in located ? located.file : declaredIn;
    if (file)
      return this.checked({ file, format: moduleFormat(file), exportName: '', className: type.name }, type, role);
    const why = 'unavailable' in located ? located.unavailable : 'no file defines it';
    const format = this.entry ? moduleFormat(this.entry) : 'commonjs';
    throw new PoolConfigError(
      `${describePool(this.pool)} cannot find the file that defines ${type.name} (${role}): ${why}, so its workers ` +
        `cannot load it. The app runs as ${describeFormat(format)}. ${jobFilesFix(format)}`,
    );
  }

  /** Done finding: frees the inspector session. */
  close(): void {
    this.scripts.close();
  }

  /** A bundle defines every class in the app's entry file; a worker loading that file would boot the whole app. */
  private checked(ref: ExportRef, type: Function, role: string): ExportRef {
    if (this.entry === undefined || realpath(ref.file) !== this.entry) return ref;
    throw new PoolConfigError(
      `${describePool(this.pool)}: ${type.name} (${role}) is defined in the app's entry file ${ref.file}, as in a ` +
        `bundled app; a worker loading that file would start the whole app. ${jobFilesFix(ref.format)}`,
    );
  }
}

/** The `jobFiles` option as the files a worker searches by class name. */
export function jobFilesOf(paths: readonly string[]): JobFile[] {
  return paths.map((path) => {
    const file = path.startsWith('file:') ? fileURLToPath(path) : isAbsolute(path) ? path : resolve(path);
    return { file, format: moduleFormat(file) };
  });
}

function jobFilesFix(format: ModuleFormat): string {
  const resolveIt =
    format === 'module' ? "fileURLToPath(import.meta.resolve('./jobs.entry.js'))" : "require.resolve('./jobs.entry')";
  return (
    'Give the pool the files to load instead: a file that exports every job class and the modules hosting them, ' +
    `kept out of the bundle, in the pool option jobFiles (jobFiles: [${resolveIt}])`
  );
}

function describePool(pool: string | null): string {
  return pool === null ? 'The default pool' : `The pool ${JSON.stringify(pool)}`;
}

function appEntry(): string | undefined {
  const main = process.argv[1];
  return main ? realpath(main) : undefined;
}

function realpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
