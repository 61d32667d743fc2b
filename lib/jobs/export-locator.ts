import type { ExportRef } from '../protocol/messages';

/** A class's file and export name as the CommonJS cache shows them. */
export type CachedExport = Omit<ExportRef, 'format'>;

interface CachedModule {
  readonly exports?: unknown;
}

/**
 * Finds which loaded file exports a class, so that a worker can load the same class again. It reads the
 * CommonJS module cache (Node's, or jest's registry behind `require.cache`), which holds every file of an
 * app compiled to CommonJS. Files outside node_modules are read first; getters are read too, since compiled
 * `export *` re-exports are getters, but only outside node_modules, where some packages load lazily.
 */
export class ExportLocator {
  private index: Map<Function, CachedExport> | undefined;

  constructor(private readonly cache: Record<string, CachedModule | undefined> = require.cache) {}

  find(type: Function): CachedExport | undefined {
    this.index ??= this.buildIndex();
    return this.index.get(type);
  }

  private buildIndex(): Map<Function, CachedExport> {
    const index = new Map<Function, CachedExport>();
    const files = Object.keys(this.cache);
    const ownFiles = files.filter((file) => !isDependency(file));
    // A file's own classes are plain values; re-exports (getters) only fill the gaps they leave.
    for (const file of ownFiles) this.indexFile(index, file, 'values');
    for (const file of ownFiles) this.indexFile(index, file, 'getters');
    for (const file of files.filter(isDependency)) this.indexFile(index, file, 'values');
    return index;
  }

  private indexFile(index: Map<Function, CachedExport>, file: string, kind: 'values' | 'getters'): void {
    const exports = this.cache[file]?.exports;
    if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return;
    if (typeof exports === 'function' && kind === 'values') this.add(index, exports, file, '');
    for (const exportName of Object.keys(exports)) {
      const descriptor = Object.getOwnPropertyDescriptor(exports, exportName);
      if (!descriptor) continue;
      let value: unknown;
      if (kind === 'values') {
        value = descriptor.value;
      } else if (descriptor.get) {
        try {
          value = descriptor.get.call(exports);
        } catch {
          continue; // a throwing getter exports nothing we can use
        }
      }
      if (typeof value === 'function') this.add(index, value, file, exportName);
    }
  }

  private add(index: Map<Function, CachedExport>, type: Function, file: string, exportName: string): void {
    if (!index.has(type) && type.prototype !== undefined) {
      index.set(type, { file, exportName, className: type.name });
    }
  }
}

function isDependency(file: string): boolean {
  return file.includes('/node_modules/') || file.includes('\\node_modules\\');
}
