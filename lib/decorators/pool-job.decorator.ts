import 'reflect-metadata';

const POOL_JOB_METHODS = Symbol.for('nestjs-poolio:job-methods');
const POOL_JOB_SOURCE = Symbol.for('nestjs-poolio:job-source');

/**
 * Marks a provider method as a pool job: `pool.execute(ThisClass, 'method', ...args)` runs it on a worker
 * thread, on an instance of the provider that the worker's own Nest context built (constructor injection
 * works there too). Arguments and the result must be cloneable (structured clone); the result may be a promise.
 */
export function PoolJob(): MethodDecorator {
  return (target, key, descriptor) => {
    if (typeof target === 'function') {
      throw new TypeError(`@PoolJob() marks instance methods; ${target.name}.${String(key)} is static`);
    }
    if (typeof key !== 'string' || typeof descriptor.value !== 'function') {
      throw new TypeError(`@PoolJob() marks methods; ${target.constructor.name}.${String(key)} is not a method`);
    }
    const type = target.constructor;
    const methods = new Set<string>(poolJobMethods(type));
    methods.add(key);
    Reflect.defineMetadata(POOL_JOB_METHODS, methods, type);
    if (!Reflect.hasOwnMetadata(POOL_JOB_SOURCE, type)) {
      const file = callerFile();
      if (file) Reflect.defineMetadata(POOL_JOB_SOURCE, file, type);
    }
  };
}

/** The `@PoolJob()` methods of a class, its parents' included. */
export function poolJobMethods(type: Function): ReadonlySet<string> {
  return (Reflect.getMetadata(POOL_JOB_METHODS, type) as Set<string> | undefined) ?? new Set();
}

/** The file whose code declared the class's first `@PoolJob()` method, as seen when the decorator ran. */
export function poolJobSourceFile(type: Function): string | undefined {
  return Reflect.getOwnMetadata(POOL_JOB_SOURCE, type) as string | undefined;
}

/** The first file on the stack outside this one and outside node_modules (decorator helpers live there). */
function callerFile(): string | undefined {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    for (const frame of frames) {
      const file = frame.getFileName();
      if (file && file !== __filename && !file.includes('node_modules') && !file.startsWith('node:')) return file;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}
