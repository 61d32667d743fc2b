import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const POOL_JOB_METHODS = Symbol.for('nestjs-poolio:job-methods');
const POOL_JOB_SOURCE = Symbol.for('nestjs-poolio:job-source');

export interface PoolJobOptions {
  /** The pool that runs this job (registered with `PoolModule.registerPool({ name })`). Default: the default pool. */
  pool?: string;
}

/**
 * Marks a provider method as a pool job: `pool.execute(ThisClass, 'method', ...args)` runs it on a worker
 * thread, on an instance of the provider that the worker's own Nest context built (constructor injection
 * works there too). Arguments and the result must be cloneable (structured clone); the result may be a
 * promise, an async iterable or an Observable (a stream). `pool` names the pool that runs it.
 */
export function PoolJob(options: PoolJobOptions = {}): MethodDecorator {
  if (options.pool !== undefined && (typeof options.pool !== 'string' || options.pool === '')) {
    throw new TypeError(`@PoolJob({ pool }) takes a pool name, got ${JSON.stringify(options.pool)}`);
  }
  return (target, key, descriptor) => {
    if (typeof target === 'function') {
      throw new TypeError(`@PoolJob() marks instance methods; ${target.name}.${String(key)} is static`);
    }
    if (typeof key !== 'string' || typeof descriptor.value !== 'function') {
      throw new TypeError(`@PoolJob() marks methods; ${target.constructor.name}.${String(key)} is not a method`);
    }
    const type = target.constructor;
    const methods = new Map<string, string | null>(poolJobMethods(type));
    methods.set(key, options.pool ?? null);
    Reflect.defineMetadata(POOL_JOB_METHODS, methods, type);
    if (!Reflect.hasOwnMetadata(POOL_JOB_SOURCE, type)) {
      const file = callerFile();
      if (file) Reflect.defineMetadata(POOL_JOB_SOURCE, file, type);
    }
  };
}

/** The `@PoolJob()` methods of a class, its parents' included, with the pool each runs in (`null`: default). */
export function poolJobMethods(type: Function): ReadonlyMap<string, string | null> {
  return (Reflect.getMetadata(POOL_JOB_METHODS, type) as Map<string, string | null> | undefined) ?? new Map();
}

/** The file whose code declared the class's first `@PoolJob()` method, as seen when the decorator ran. */
export function poolJobSourceFile(type: Function): string | undefined {
  return Reflect.getOwnMetadata(POOL_JOB_SOURCE, type) as string | undefined;
}

/**
 * The first real file on the stack outside this one and outside node_modules (decorator helpers live there, or
 * in a bundler's virtual module, which is no file).
 */
function callerFile(): string | undefined {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    for (const frame of frames) {
      const name = frame.getFileName();
      const file = name?.startsWith('file:') ? fileURLToPath(name) : name;
      if (!file || file === __filename || file.includes('node_modules') || !/^(\/|[A-Za-z]:[\\/])/.test(file)) continue;
      if (existsSync(file)) return file;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}
