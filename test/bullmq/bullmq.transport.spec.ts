import { ConflictException } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { JobArgumentError, PoolKilledError, type PoolEvent } from '../../lib';
import { type LedgerError, RemoteJobs } from '../fixtures/remote.jobs';
import { startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { settle } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';
import { startRemoteApp, type RemoteApp } from './remote-app';

describe('BullMQ transport: two instances in one process, one redis-server', () => {
  let redis: RedisServer;
  let a: RemoteApp;
  let b: RemoteApp;
  let producer: RemoteApp;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const connection = { host: redis.host, port: redis.port };
    [a, b] = await Promise.all([
      startRemoteApp({ connection, instance: 'a' }, { size: 1 }),
      startRemoteApp({ connection, instance: 'b' }, { size: 1 }),
    ]);
    producer = await startRemoteApp({ connection, consume: false });
    dir = mkdtempSync(join(tmpdir(), 'poolio-remote-'));
  });

  afterAll(async () => {
    await Promise.all([a?.app.close(), b?.app.close(), producer?.app.close()]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a producer-only instance starts no thread, and its jobs run on the consuming instances', async () => {
    expect(producer.pool.stats()).toMatchObject({ size: 0, workers: { busy: 0, idle: 0, starting: 0 } });
    const release = join(dir, 'release-fanout');
    // Two jobs that each hold their instance's one thread until both have started: both instances take one.
    const held = [0, 1].map((tag) => firstValueFrom(producer.pool.execute(RemoteJobs, 'hold', release, tag)));
    await waitFor(
      () => a.pool.stats().workers.busy === 1 && b.pool.stats().workers.busy === 1,
      'both instances running a job',
    );
    writeFileSync(release, '');
    const results = await Promise.all(held);
    expect(results.map((r) => r.tag)).toEqual([0, 1]);
    expect(a.pool.stats().jobs.completed + b.pool.stats().jobs.completed).toBe(2);
    expect(a.pool.stats().jobs.completed).toBe(1);
  });

  it('carries what structured clone carries, both ways', async () => {
    const value = {
      when: new Date(Date.UTC(2026, 11, 1)),
      map: new Map<unknown, unknown>([['k', new Set([1, 'two'])]]),
      big: 2n ** 70n,
      bytes: new Uint16Array([1, 2, 65535]),
      buffer: Buffer.from('poolio'),
      nothing: undefined,
      // eslint-disable-next-line no-sparse-arrays -- a hole, as structured clone keeps it
      sparse: [1, , 3],
      nested: { deep: [{ deeper: [null, -0, NaN] }] },
    };
    const echoed = (await firstValueFrom(producer.pool.execute(RemoteJobs, 'echo', value))) as typeof value;
    expect(echoed).toEqual(value);
    // (jest's sandbox has globals of its own: the type is checked by tag, as jest's toEqual does.)
    expect(Object.prototype.toString.call(echoed.bytes)).toBe('[object Uint16Array]');
    expect('nothing' in echoed).toBe(true);
    expect(Object.is(echoed.nested.deep[0].deeper[1], -0)).toBe(true);
    expect(1 in echoed.sparse).toBe(false);
  });

  it('fails a value that cannot be carried at execute(), with JobArgumentError, and keeps serving', async () => {
    const outcome = await settle(producer.pool.execute(RemoteJobs, 'echo', { f: () => 1 } as unknown as object));
    expect(outcome.error).toBeInstanceOf(JobArgumentError);
    const shared = await settle(producer.pool.execute(RemoteJobs, 'echo', new SharedArrayBuffer(8)));
    expect(shared.error).toBeInstanceOf(JobArgumentError);
    expect((shared.error as Error).message).toContain('RemoteJobs.echo');
    expect(await firstValueFrom(producer.pool.execute(RemoteJobs, 'echo', 'still serving'))).toBe('still serving');
  });

  it('keeps errors’ class, message, stack and own properties', async () => {
    const type = (await settle(producer.pool.execute(RemoteJobs, 'fail', 'type'))).error as TypeError & {
      code: string;
    };
    expect(type).toBeInstanceOf(TypeError);
    expect(type).toMatchObject({ message: 'not a ledger', code: 'E_TYPE' });
    expect(type.stack).toContain('remote.jobs');
    const http = (await settle(producer.pool.execute(RemoteJobs, 'fail', 'http'))).error as ConflictException;
    expect(http).toBeInstanceOf(ConflictException);
    expect(http.getStatus()).toBe(409);
    expect(http.getResponse()).toEqual({ reason: 'taken', id: 7 });
    const pool = (await settle(producer.pool.execute(RemoteJobs, 'fail', 'pool'))).error;
    expect(pool).toBeInstanceOf(PoolKilledError);
    const ledger = (await settle(producer.pool.execute(RemoteJobs, 'fail', 'ledger'))).error as LedgerError;
    expect(ledger).toBeInstanceOf(Error);
    expect(ledger).toMatchObject({ name: 'LedgerError', message: 'overdrawn', code: 'E_LEDGER', balance: -5n });
  });

  it('streams items in order, then completes; a stream’s error comes after its items', async () => {
    expect(await lastValueFrom(producer.pool.execute(RemoteJobs, 'count', 50).pipe(toArray()))).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    const failed = await settle(producer.pool.execute(RemoteJobs, 'failAfter', 3));
    expect(failed.values).toEqual([0, 1, 2]);
    expect(failed.error).toBeInstanceOf(RangeError);
  });

  it('delivers progress to onProgress', async () => {
    const seen: unknown[] = [];
    const result = await firstValueFrom(
      producer.pool.with({ onProgress: (value) => seen.push(value) }).execute(RemoteJobs, 'withProgress', 3),
    );
    expect(result).toBe('finished');
    expect(seen).toEqual([1, 2, 3].map((step) => ({ step, of: 3 })));
  });

  it('cancels a running remote job: its signal aborts on the instance that runs it', async () => {
    const [started, aborted] = [join(dir, 'started-cancel'), join(dir, 'aborted-cancel')];
    const events: PoolEvent[] = [];
    const watched = [a, b].map((app) => app.pool.events$.subscribe((event) => events.push(event)));
    const controller = new AbortController();
    const outcome = settle(
      producer.pool.with({ signal: controller.signal }).execute(RemoteJobs, 'untilAborted', started, aborted),
    );
    await waitFor(() => existsSync(started), 'the job to start on an instance');
    controller.abort(new Error('enough'));
    expect((await outcome).error).toMatchObject({ name: 'JobCancelledError' });
    await waitFor(() => existsSync(aborted), 'the job to see its signal abort');
    await waitFor(() => events.some((event) => event.type === 'job-cancelled'), 'a cancelled event on the runner');
    watched.forEach((subscription) => subscription.unsubscribe());
    expect(a.pool.stats().jobs.cancelled + b.pool.stats().jobs.cancelled).toBe(1);
  });

  it('unsubscribing removes a waiting job from Redis: it never runs', async () => {
    const release = join(dir, 'release-withdraw');
    // Both instances running a holder, by the holders' own marks (a busy count may still be the last test's job).
    const marks = [0, 1].map((tag) => join(dir, `holding-${tag}`));
    const holders = [0, 1].map((tag) =>
      firstValueFrom(producer.pool.execute(RemoteJobs, 'hold', release, tag, marks[tag])),
    );
    await waitFor(() => marks.every((mark) => existsSync(mark)), 'both instances running a holder');
    const ran = join(dir, 'ran-withdrawn');
    const waiting = producer.pool.execute(RemoteJobs, 'untilAborted', ran, join(dir, 'unused')).subscribe();
    await waitFor(() => producer.pool.stats().queue!.waiting === 1, 'the job waiting in Redis');
    waiting.unsubscribe();
    await waitFor(() => producer.pool.stats().queue!.waiting === 0, 'the job gone from Redis');
    writeFileSync(release, '');
    await Promise.all(holders);
    await producer.pool.join();
    expect(existsSync(ran)).toBe(false);
  });

  it('a producer cut off from Redis while its job finishes still gets the one outcome, once reconnected', async () => {
    const release = join(dir, 'release-cut');
    const mark = join(dir, 'holding-cut');
    const result = settle(producer.pool.execute(RemoteJobs, 'hold', release, 9, mark));
    await waitFor(() => existsSync(mark), 'the job running');
    // Every connection drops (producer's and consumers' alike) as the job finishes; all reconnect by themselves.
    expect(await redis.dropClients()).toBeGreaterThan(4);
    writeFileSync(release, '');
    expect(await result).toEqual({ values: [{ tag: 9, instance: String(process.pid) }], completed: true });
    expect(await firstValueFrom(producer.pool.execute(RemoteJobs, 'echo', 'after'))).toBe('after');
  });

  it('starts its threads as a local pool does, with the 3 MiB young generation by default', async () => {
    expect(await firstValueFrom(producer.pool.execute(RemoteJobs, 'limits'))).toMatchObject({
      maxYoungGenerationSizeMb: 3,
    });
  });

  it('runs self-contained functions remotely too', async () => {
    const sum = (a: number, b: bigint): string => `${a}:${b * 2n}`;
    expect(await firstValueFrom(producer.pool.execute(sum, 2, 21n))).toBe('2:42');
  });

  it('reports the queue in stats()', async () => {
    const stats = producer.pool.stats();
    expect(stats.queue).toMatchObject({ reachable: true, active: expect.any(Number), failed: 0 });
    expect(stats.queue!.readAt).toBeGreaterThan(0);
  });
});
