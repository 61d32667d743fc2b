/**
 * One app instance of the distributed workload, forked by the bench: a Nest application context that consumes
 * the workload's queue, either through this pool's BullMQ transport or through a plain `@nestjs/bullmq`
 * sandboxed processor. It says 'ready' once it takes jobs, and closes the app when told to stop.
 */
import 'reflect-metadata';
import { BullModule } from '@nestjs/bullmq';
import { Module, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PoolModule } from 'nestjs-poolio';
import { bullmqTransport } from 'nestjs-poolio/bullmq';
import { join } from 'node:path';
import { DISTRIBUTED_POOL, DistributedJobsModule } from './distributed.jobs';
import { argvToSpec, type BenchMessage, type InstanceMessage, type InstanceSpec } from './instance.protocol';

type Imports = NonNullable<ModuleMetadata['imports']>;

const SANDBOXED_PROCESSOR = join(__dirname, 'sandboxed.processor.js');

function send(message: InstanceMessage): void {
  process.send?.(message);
}

/** This pool: the jobs module plus a pool whose transport is the BullMQ queue, `size` threads on it. */
function poolioImports({ host, port, prefix, size }: InstanceSpec): Imports {
  return [
    PoolModule.registerPool({
      name: DISTRIBUTED_POOL,
      size,
      transport: bullmqTransport({ connection: { host, port }, prefix }),
    }),
    DistributedJobsModule,
  ];
}

/** What users have today: `BullModule.registerQueue` with a sandboxed processor file, `size` children. */
function sandboxedImports({ host, port, prefix, size }: InstanceSpec): Imports {
  return [
    BullModule.forRoot({ connection: { host, port }, prefix }),
    BullModule.registerQueue({
      name: DISTRIBUTED_POOL,
      processors: [{ path: SANDBOXED_PROCESSOR, concurrency: size }],
    }),
  ];
}

async function main(): Promise<void> {
  const spec = argvToSpec(process.argv.slice(2));
  @Module({ imports: spec.kind === 'poolio' ? poolioImports(spec) : sandboxedImports(spec) })
  class InstanceModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(InstanceModule, { logger: false });
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'stop') return;
    app.close().then(
      () => {
        send({ type: 'stopped' });
        process.disconnect();
      },
      (error: unknown) => fail(error),
    );
  });
  send({ type: 'ready', pid: process.pid });
}

function fail(error: unknown): void {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect();
}

main().catch(fail);
