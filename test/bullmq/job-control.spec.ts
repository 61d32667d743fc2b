import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { getPoolToken, JobQueueTimeoutError, JobTimeoutError, PoolModule, type Pool } from '../../lib';
import { bullmqTransport } from '../../lib/bullmq';
import { RemoteJobs, RemoteJobsModule } from '../fixtures/remote.jobs';
import { startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { settle } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';
import { startRemoteApp, type RemoteApp } from './remote-app';

describe('BullMQ transport: timeouts, priorities and async options', () => {
  let redis: RedisServer;
  let consumer: RemoteApp;
  let producer: RemoteApp;
  let dir: string;
  let holds = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    const connection = { host: redis.host, port: redis.port };
    consumer = await startRemoteApp({ connection }, { size: 1 });
    producer = await startRemoteApp({ connection, consume: false });
    dir = mkdtempSync(join(tmpdir(), 'poolio-control-'));
  });

  afterAll(async () => {
    await Promise.all([consumer?.app.close(), producer?.app.close()]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Occupies the consumer's one thread until the returned release is called. Judged by the job's own mark: a
   * thread still busy with the previous test's job would make a busy count say so too early, and a job of a
   * higher priority submitted next could then overtake this one.
   */
  async function occupy(): Promise<{ release: () => Promise<unknown> }> {
    const [gate, started] = [join(dir, `gate-${++holds}`), join(dir, `held-${holds}`)];
    const held = firstValueFrom(producer.pool.execute(RemoteJobs, 'hold', gate, -1, started));
    await waitFor(() => existsSync(started), 'the consumer running the holding job');
    return { release: () => (writeFileSync(gate, ''), held) };
  }

  it('queueTimeout: a job that waited too long fails, and is removed from Redis so it never runs', async () => {
    const { release } = await occupy();
    const log = join(dir, 'expired.log');
    const outcome = await settle(producer.pool.with({ queueTimeout: 100 }).execute(RemoteJobs, 'record', 1, log, 0));
    expect(outcome.error).toBeInstanceOf(JobQueueTimeoutError);
    expect((outcome.error as JobQueueTimeoutError).waitedMs).toBeGreaterThanOrEqual(100);
    await waitFor(() => producer.pool.stats().queue!.waiting === 0, 'the expired job gone from Redis');
    await release();
    await firstValueFrom(producer.pool.execute(RemoteJobs, 'echo', 'after'));
    expect(existsSync(log)).toBe(false);
  });

  it('timeout counts from the start of the run on the consumer, not from submission', async () => {
    const { release } = await occupy();
    const waited = firstValueFrom(producer.pool.with({ timeout: 2_000 }).execute(RemoteJobs, 'echo', 'in time'));
    await waitFor(() => producer.pool.stats().queue!.waiting === 1, 'the job waiting');
    // Longer in the queue than its timeout: the scenario, not a measurement.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await release();
    expect(await waited).toBe('in time');
    const [started, aborted] = [join(dir, 'started-timeout'), join(dir, 'aborted-timeout')];
    const timedOut = await settle(
      producer.pool.with({ timeout: 200 }).execute(RemoteJobs, 'untilAborted', started, aborted),
    );
    expect(timedOut.error).toBeInstanceOf(JobTimeoutError);
    await waitFor(() => existsSync(aborted), 'the job’s signal to abort on the consumer');
  });

  it('runs higher priorities first', async () => {
    const { release } = await occupy();
    const log = join(dir, 'priority.log');
    const jobs = [-5, 0, 10, 3].map((priority) =>
      firstValueFrom(producer.pool.with({ priority }).execute(RemoteJobs, 'record', priority, log, 0)),
    );
    await waitFor(() => producer.pool.stats().queue!.waiting === 4, 'the four jobs waiting');
    await release();
    await Promise.all(jobs);
    const order = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split(' ')[0]));
    expect(order).toEqual([10, 3, 0, -5]);
  });

  it('takes its transport from registerPoolAsync’s factory, with the app’s own ioredis client, which it leaves open', async () => {
    const client = new Redis({ host: redis.host, port: redis.port });
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.registerPoolAsync({
          name: 'remote',
          useFactory: () => ({
            transport: bullmqTransport({ connection: client, consume: false }),
          }),
        }),
        RemoteJobsModule,
      ],
    }).compile();
    moduleRef.useLogger(false);
    const app = await moduleRef.init();
    try {
      const pool = app.get<Pool>(getPoolToken('remote'));
      expect(pool.stats().size).toBe(0);
      expect(await firstValueFrom(pool.execute(RemoteJobs, 'where', 5))).toMatchObject({ tag: 5 });
    } finally {
      await app.close();
    }
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
