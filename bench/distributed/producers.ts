/**
 * The submitting side of the distributed workload, in the bench's own process (an API-only instance): it
 * sends spin jobs to the queue and awaits each result, the way each kind is used in an app.
 */
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, QueueEvents } from 'bullmq';
import { getPoolToken, PoolModule, type Pool } from 'nestjs-poolio';
import { bullmqTransport } from 'nestjs-poolio/bullmq';
import { firstValueFrom } from 'rxjs';
import type { SpinInput } from '../tasks/bench.tasks';
import { DISTRIBUTED_POOL, DistributedJobs, DistributedJobsModule, type InstanceResult } from './distributed.jobs';
import type { InstanceKind } from './instance.protocol';

/** How many finished jobs BullMQ keeps, as apps usually bound it. */
const KEEP = { count: 1_000 };

export interface Producer {
  run(input: SpinInput): Promise<InstanceResult>;
  close(): Promise<void>;
}

export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
}

export function startProducer(kind: InstanceKind, address: QueueAddress): Promise<Producer> {
  return kind === 'poolio' ? poolioProducer(address) : bullmqProducer(address);
}

/** `pool.execute()` on a pool whose transport submits only (`consume: false`): no thread starts here. */
async function poolioProducer({ host, port, prefix }: QueueAddress): Promise<Producer> {
  @Module({
    imports: [
      PoolModule.registerPool({
        name: DISTRIBUTED_POOL,
        transport: bullmqTransport({ connection: { host, port }, prefix, consume: false }),
      }),
      DistributedJobsModule,
    ],
  })
  class ProducerModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(ProducerModule, { logger: false });
  const pool = app.get<Pool>(getPoolToken(DISTRIBUTED_POOL));
  return {
    run: (input) => firstValueFrom(pool.execute(DistributedJobs, 'spin', input)),
    close: () => app.close(),
  };
}

/** BullMQ's own producer API: `queue.add()`, then `job.waitUntilFinished(queueEvents)` for the result. */
async function bullmqProducer({ host, port, prefix }: QueueAddress): Promise<Producer> {
  const connection = { host, port };
  const queue = new Queue<SpinInput, InstanceResult>(DISTRIBUTED_POOL, { connection, prefix });
  const events = new QueueEvents(DISTRIBUTED_POOL, { connection, prefix });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    async run(input) {
      // Keep the recent ones: a job removed the moment it completes can make waitUntilFinished miss it.
      const job = await queue.add('spin', input, { removeOnComplete: KEEP, removeOnFail: KEEP });
      return (await job.waitUntilFinished(events)) as InstanceResult;
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
