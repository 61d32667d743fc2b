/**
 * Worker side: boots, once per worker, a Nest application context holding the modules that host the job
 * providers, and resolves each job provider from it. No HTTP server, no other app module, no pool.
 */
import { Module, type INestApplicationContext, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fileURLToPath } from 'node:url';
import { PoolModule } from '../pool.module';
import type { ExportRef, WorkerCatalog } from '../protocol/messages';

export interface WorkerContext {
  readonly app: INestApplicationContext;
  /** Job provider instances by catalog key. */
  readonly jobs: ReadonlyMap<string, object>;
}

export async function bootWorkerContext(catalog: WorkerCatalog, logLevels: LogLevel[] | false): Promise<WorkerContext> {
  const load = classLoader(catalog.files);
  const modules = catalog.modules.map(load) as Type[];
  const jobTypes = catalog.jobs.map((job) => [job.key, load(job.ref)] as const);

  // The app's pools, unusable here, keep providers and controllers of the job modules that inject one bootable.
  const pools = catalog.pools.map((name) => PoolModule.forRoot(name === null ? {} : { name }));

  @Module({ imports: [...modules, ...pools] })
  class PoolWorkerModule {}

  const app = await NestFactory.createApplicationContext(PoolWorkerModule, {
    logger: logLevels,
    // Nest would otherwise end the whole process on a provider error; the supervisor reports it instead.
    abortOnError: false,
  });
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
  const exportsOf = (file: string): Record<string, unknown> => {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    return require(path) as Record<string, unknown>;
  };
  return (ref) => {
    const candidates = ref.file ? [ref.file] : files;
    for (const file of candidates) {
      const exports = exportsOf(file);
      const value = ref.exportName ? exports[ref.exportName] : findByName(exports, ref.className);
      if (typeof value === 'function' && value.name === ref.className) return value;
    }
    throw new Error(`${ref.className} is not exported by ${candidates.join(', ') || 'any of the jobFiles'}`);
  };
}

function findByName(exports: Record<string, unknown>, className: string): unknown {
  if (typeof exports === 'function' && (exports as Function).name === className) return exports;
  return Object.values(exports).find((value) => typeof value === 'function' && value.name === className);
}
