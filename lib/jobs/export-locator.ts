import type { ExportRef } from '../protocol/messages';

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
  private index: Map<Function, ExportRef> | undefined;

  constructor(private readonly cache: Record<string, CachedModule | undefined> = require.cache) {}

  find(type: Function): ExportRef | undefined {
    this.index ??= this.buildIndex();
    return this.index.get(type);
  }

  private buildIndex(): Map<Function, ExportRef> {
    const index = new Map<Function, ExportRef>();
    const files = Object.keys(this.cache);
    const ownFiles = files.filter((file) => !isDependency(file));
    const dependencyFiles = files.filter(isDependency);
    for (const file of ownFiles) this.indexFile(index, file, true);
    for (const file of dependencyFiles) this.indexFile(index, file, false);
    return index;
  }

  private indexFile(index: Map<Function, ExportRef>, file: string, readGetters: boolean): void {
    const exports = this.cache[file]?.exports;
    if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return;
    if (typeof exports === 'function') this.add(index, exports, file, '');
    const later: string[] = [];
    for (const exportName of Object.keys(exports)) {
      const descriptor = Object.getOwnPropertyDescriptor(exports, exportName);
      if (descriptor && 'value' in descriptor) {
        if (typeof descriptor.value === 'function') this.add(index, descriptor.value as Function, file, exportName);
      } else if (readGetters) {
        later.push(exportName);
      }
    }
    // A file's own classes are plain values; re-exports (getters) only fill gaps.
    for (const exportName of later) {
      try {
        const value = (exports as Record<string, unknown>)[exportName];
        if (typeof value === 'function') this.add(index, value, file, exportName);
      } catch {
        // A throwing getter exports nothing we can use.
      }
    }
  }

  private add(index: Map<Function, ExportRef>, type: Function, file: string, exportName: string): void {
    if (!index.has(type) && type.prototype !== undefined) {
      index.set(type, { file, exportName, className: type.name });
    }
  }
}

function isDependency(file: string): boolean {
  return file.includes('/node_modules/') || file.includes('\\node_modules\\');
}
