import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { PoolConfigError, PoolModule, PoolShutdownTimeoutError, RedisUnreachableError } from '../../lib';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bullmqTransport } from '../../lib/bullmq';
import { whyPoolIsDown } from '../../lib/health';
import { RemoteJobs, RemoteJobsModule } from '../fixtures/remote.jobs';
import { freePort, startRedisServer } from '../fixtures/redis-server';
import { settle } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';
import { startRemoteApp } from './remote-app';

describe('BullMQ transport: start, health and shutdown', () => {
  it('fails app.init() when Redis cannot be reached, naming Redis, the host and the port', async () => {
    const port = await freePort(); // nothing listens there
    const failure = await startRemoteApp({ connection: { host: '127.0.0.1', port }, connectTimeout: 1_500 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RedisUnreachableError);
    expect((failure as Error).message).toContain(`could not reach Redis at 127.0.0.1:${port} within 1500 ms`);
    expect((failure as Error).message).toContain('ECONNREFUSED');
  });

  it('warns once, through the app’s logger, of an eviction policy that can lose jobs (not BullMQ’s warning per connection)', async () => {
    const redis = await startRedisServer(undefined, ['--maxmemory-policy', 'allkeys-lru']);
    const warnings: string[] = [];
    const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.registerPool({
          name: 'remote',
          size: 1,
          transport: bullmqTransport({ connection: { host: redis.host, port: redis.port } }),
        }),
        RemoteJobsModule,
      ],
    }).compile();
    moduleRef.useLogger({
      log: () => undefined,
      error: () => undefined,
      warn: (message: string) => warnings.push(message),
    });
    const app = await moduleRef.init();
    try {
      expect(warnings.filter((w) => w.includes('maxmemory-policy allkeys-lru'))).toHaveLength(1);
      expect(warnings[0]).toContain('noeviction');
      expect(consoleWarn).not.toHaveBeenCalled();
    } finally {
      consoleWarn.mockRestore();
      await app.close();
      await redis.stop();
    }
  });

  it('a consumer closed while it runs a job past shutdownTimeout fails that job’s caller, once', async () => {
    const redis = await startRedisServer();
    const connection = { host: redis.host, port: redis.port };
    const dir = mkdtempSync(join(tmpdir(), 'poolio-late-'));
    const consumer = await startRemoteApp({ connection }, { size: 1, shutdownTimeout: 500, cancelGrace: 200 });
    const producer = await startRemoteApp({ connection, consume: false });
    try {
      const started = join(dir, 'started');
      const outcome = settle(producer.pool.execute(RemoteJobs, 'hold', join(dir, 'never'), 1, started));
      await waitFor(() => existsSync(started), 'the job running on the consumer');
      await consumer.app.close();
      const { error, values } = await outcome;
      expect(values).toEqual([]);
      expect(error).toBeInstanceOf(PoolShutdownTimeoutError);
      expect((error as Error).message).toContain('RemoteJobs.hold was still running when shutdownTimeout ran out');
    } finally {
      await producer.app.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks its options where they are written, naming each bad one', () => {
    expect(() => bullmqTransport(undefined as never)).toThrow(PoolConfigError);
    expect(() => bullmqTransport({} as never)).toThrow(/connection is required/);
    expect(() => bullmqTransport({ connection: {}, consume: 'no', prefix: '', sise: 1 } as never)).toThrow(
      /^Invalid bullmqTransport\(\) options: unknown option "sise" .*; prefix must be .*; consume must be a boolean, got "no"$/,
    );
  });

  it('is down in health while Redis is gone, and up again once it is back; shutdown is bounded without it', async () => {
    const redis = await startRedisServer();
    const { app, pool } = await startRemoteApp(
      { connection: { host: redis.host, port: redis.port } },
      { size: 1, shutdownTimeout: 2_000 },
    );
    try {
      expect(await firstValueFrom(pool.execute(RemoteJobs, 'echo', 1))).toBe(1);
      expect(whyPoolIsDown(pool.stats())).toBeUndefined();
      redis.process.kill('SIGKILL');
      await waitFor(() => !pool.stats().queue!.reachable, 'the pool to notice Redis is gone');
      expect(whyPoolIsDown(pool.stats())).toMatch(/^Redis is unreachable/);
      // Submitted while Redis is gone, the job waits for it rather than failing.
      const pending = settle(pool.execute(RemoteJobs, 'echo', 'waited'));
      const back = await startRedisServer(redis.port);
      try {
        await waitFor(() => pool.stats().queue!.reachable, 'the pool to reach Redis again');
        expect(whyPoolIsDown(pool.stats())).toBeUndefined();
        expect(await pending).toEqual({ values: ['waited'], completed: true });
      } finally {
        await back.stop();
      }
      // Redis gone for good: closing still ends, within shutdownTimeout, and leaves nothing open.
      await app.close();
      expect(pool.status().state).toBe('closed');
    } finally {
      await redis.stop();
    }
  });
});
