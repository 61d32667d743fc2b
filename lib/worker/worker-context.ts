/**
 * Worker side: boots, once per worker, a Nest application context holding the modules that host the job
 * providers, and resolves each job provider from it. No HTTP server, no other app module, no pool.
 */
import { Module, type INestApplicationContext, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { WorkerCatalog, WorkerLoader } from '../protocol/messages';
import { withBootPhase } from './boot-phase';
import { JobFileLoader } from './job-file-loader';
import { WorkerPoolsModule } from './worker-pools.module';

export interface WorkerContext {
  readonly app: INestApplicationContext;
  /** Job provider instances by catalog key. */
  readonly jobs: ReadonlyMap<string, object>;
}

export async function bootWorkerContext(
  catalog: WorkerCatalog,
  loader: WorkerLoader,
  logger: LoggerService,
): Promise<WorkerContext> {
  const files = new JobFileLoader(catalog.files, loader);
  const modules: Type[] = [];
  for (const ref of catalog.modules) modules.push((await files.load(ref)) as Type);
  const jobTypes: (readonly [string, Function])[] = [];
  for (const job of catalog.jobs) jobTypes.push([job.key, await files.load(job.ref)]);

  // The app's pools, unusable here, keep providers and controllers of the job modules that inject one bootable.
  @Module({ imports: [...modules, WorkerPoolsModule.forPools(catalog.pools)] })
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
    const phase = thrower ? `the constructor of ${thrower} threw` : `Nest could not build ${modules}`;
    throw withBootPhase(error, `${phase}${metadataHint(error, loader)}`);
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

/** Nest cannot inject what a loader without decorator metadata compiled (tsx, esbuild): say so. */
function metadataHint(error: unknown, loader: WorkerLoader): string {
  if (!(error instanceof Error) || !/can't resolve dependencies/i.test(error.message)) return '';
  return (
    ` (job files loaded with ${loader.description}; a TypeScript loader must emit decorator metadata for DI, ` +
    'which tsx and esbuild do not: install @swc-node/register and @swc/core, or run compiled JavaScript)'
  );
}
