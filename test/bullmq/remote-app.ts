import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getPoolToken, PoolModule, type Pool } from '../../lib';
import { bullmqTransport, type BullmqTransportOptions } from '../../lib/bullmq';
import { RemoteJobsModule } from '../fixtures/remote.jobs';

export interface RemoteApp {
  readonly app: INestApplicationContext;
  readonly pool: Pool;
}

/** One app instance in this process: a real Nest context whose pool `remote` goes through BullMQ. */
export async function startRemoteApp(
  transport: BullmqTransportOptions,
  pool: { size?: number; shutdownTimeout?: number; cancelGrace?: number } = {},
): Promise<RemoteApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      PoolModule.registerPool({
        name: 'remote',
        size: pool.size ?? 1,
        // A test that fails with jobs still held then closes in seconds, within jest's hook timeout.
        shutdownTimeout: 10_000,
        ...pool,
        transport: bullmqTransport(transport),
      }),
      RemoteJobsModule,
    ],
  }).compile();
  moduleRef.useLogger(false);
  const app = await moduleRef.init();
  return { app, pool: app.get<Pool>(getPoolToken('remote')) };
}
