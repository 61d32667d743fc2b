/**
 * Worker side: boots, once per worker, a Nest application context holding the modules that host the job
 * providers, and resolves each job provider from it. No HTTP server, no other app module, no pool.
 */
import { Module, type INestApplicationContext, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fileURLToPath } from 'node:url';
import { PoolModule } from '../pool.module';
import type { ExportRef, WorkerCatalog } from '../protocol/messages';

export interface WorkerContext {
  readonly app: INestApplicationContext;
  /** Job provider instances by catalog key. */
  readonly jobs: ReadonlyMap<string, object>;
}

export async function bootWorkerContext(catalog: WorkerCatalog, logger: LoggerService): Promise<WorkerContext> {
  const load = classLoader(catalog.files);
  const modules = catalog.modules.map(load) as Type[];
  const jobTypes = catalog.jobs.map((job) => [job.key, load(job.ref)] as const);

  // The app's pools, unusable here, keep providers and controllers of the job modules that inject one bootable.
  const pools = catalog.pools.map((name) => PoolModule.forRoot(name === null ? {} : { name }));

  @Module({ imports: [...modules, ...pools] })
  class PoolWorkerModule {}

  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(PoolWorkerModule, {
      logger,
      // Nest would otherwise end the whole process on a provider error; the supervisor reports it instead.
      abortOnError: false,
    });
  } catch (error) {
    const thrower = error instanceof Error ? /\bat new (\w+) /.exec(error.stack ?? '')?.[1] : undefined;
    const modules = catalog.modules.map((ref) => ref.className).join(', ');
    throw withBootPhase(error, thrower ? `the constructor of ${thrower} threw` : `Nest could not build ${modules}`);
  }
  const jobs = new Map<string, object>();
  try {
    for (const [key, type] of jobTypes) {
      const instance = app.get<object>(type, { strict: false });
      if (!instance) throw new Error(`${key} was not found in the worker's context`);
      jobs.set(key, instance);
    }
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, jobs };
}

function classLoader(files: readonly string[]): (ref: ExportRef) => Function {
  const exportsOf = (file: string, className: string): Record<string, unknown> => {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    try {
      return require(path) as Record<string, unknown>;
    } catch (error) {
      throw withBootPhase(error, `loading ${path} (for ${className}) failed`);
    }
  };
  return (ref) => {
    const candidates = ref.file ? [ref.file] : files;
    for (const file of candidates) {
      const exports = exportsOf(file, ref.className);
      const value = ref.exportName ? exports[ref.exportName] : findByName(exports, ref.className);
      if (typeof value === 'function' && value.name === ref.className) return value;
    }
    throw new Error(`${ref.className} is not exported by ${candidates.join(', ') || 'any of the jobFiles'}`);
  };
}

/**
 * Says where booting failed, on the error itself, so that the supervisor's WorkerBootError can name the
 * provider or file while `cause` stays the error the app's code threw.
 */
function withBootPhase(error: unknown, phase: string): unknown {
  if (error instanceof Error) {
    Object.defineProperty(error, 'bootPhase', { value: phase, enumerable: false, configurable: true, writable: true });
    return error;
  }
  return new Error(`${phase}: ${String(error)}`);
}

function findByName(exports: Record<string, unknown>, className: string): unknown {
  if (typeof exports === 'function' && (exports as Function).name === className) return exports;
  return Object.values(exports).find((value) => typeof value === 'function' && value.name === className);
}
