import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { RemoteStreamInterruptedError } from '../../lib';
import { RemoteJobs } from '../fixtures/remote.jobs';
import { startRedisServer, type RedisServer } from '../fixtures/redis-server';
import { settle, type Outcome } from '../fixtures/settle';
import { waitFor } from '../fixtures/wait-for';
import { startInstance, type InstanceProcess } from './instance-process';
import { startRemoteApp, type RemoteApp } from './remote-app';

/** Runs per tag in a `record` log, and which instance ran each tag first. */
function readRuns(log: string): Map<number, string[]> {
  const runs = new Map<number, string[]>();
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  for (const line of text.split('\n').filter(Boolean)) {
    const [tag, instance] = line.split(' ');
    runs.set(Number(tag), [...(runs.get(Number(tag)) ?? []), instance]);
  }
  return runs;
}

describe('BullMQ transport: delivery when instances die and Redis stalls', () => {
  let redis: RedisServer;
  let producer: RemoteApp;
  let dir: string;
  const instances: InstanceProcess[] = [];
  // Stalled jobs are found within a second or two, not BullMQ's default 30 s.
  const LOCK_MS = 1_000;

  beforeAll(async () => {
    redis = await startRedisServer();
    producer = await startRemoteApp({ connection: { host: redis.host, port: redis.port }, consume: false });
    dir = mkdtempSync(join(tmpdir(), 'poolio-delivery-'));
  });

  afterEach(async () => {
    for (const instance of instances.splice(0)) {
      instance.child.kill('SIGKILL');
      await instance.exited;
    }
  });

  afterAll(async () => {
    await producer?.app.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (name: string, size = 2): InstanceProcess => {
    const instance = startInstance({ REDIS_PORT: redis.port, INSTANCE: name, SIZE: size, LOCK_MS });
    instances.push(instance);
    return instance;
  };

  it('jobs submitted while no instance consumes wait in Redis, and run when one starts', async () => {
    const result = firstValueFrom(producer.pool.execute(RemoteJobs, 'where', 1));
    await waitFor(() => producer.pool.stats().queue!.waiting === 1, 'the job waiting in Redis');
    const late = start('late');
    await late.ready;
    expect(await result).toEqual({ tag: 1, instance: 'late' });
  });

  it('an instance SIGKILLed with hundreds of jobs in flight: each caller gets one correct outcome, re-runs bounded by what it held', async () => {
    const [victim, survivor] = [start('victim', 2), start('survivor', 2)];
    await Promise.all([victim.ready, survivor.ready]);
    const log = join(dir, 'kill.log');
    const JOBS = 300;
    const outcomes: Outcome<{ tag: number; instance: string }>[] = [];
    const settled = Array.from({ length: JOBS }, (_, tag) =>
      settle(producer.pool.execute(RemoteJobs, 'record', tag, log, 5)).then((outcome) => (outcomes[tag] = outcome)),
    );
    await waitFor(() => [...readRuns(log).values()].filter((r) => r[0] === 'victim').length >= 20, 'victim at work');
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    await Promise.all(settled);
    // One outcome each (settle resolves once), every one the job's own result.
    outcomes.forEach((outcome, tag) => {
      expect(outcome).toMatchObject({ completed: true, values: [{ tag }] });
      expect(outcome.values).toHaveLength(1);
    });
    const runs = readRuns(log);
    expect(runs.size).toBe(JOBS);
    const rerun = [...runs.entries()].filter(([, by]) => by.length > 1);
    // Only the jobs the victim held when it died ran twice: at most its size, each started there first.
    expect(rerun.length).toBeLessThanOrEqual(2);
    for (const [, by] of rerun) expect(by).toEqual(['victim', 'survivor']);
    expect(outcomes.filter((o) => o.values[0].instance === 'survivor').length).toBeGreaterThan(0);
  });

  it('a stream whose instance dies after it sent items fails with RemoteStreamInterruptedError, not a replay', async () => {
    const first = start('first', 1);
    await first.ready;
    const [marker, release] = [join(dir, 'streamed'), join(dir, 'release-stream')];
    const items: number[] = [];
    const outcome = new Promise<unknown>((resolve) =>
      producer.pool.execute(RemoteJobs, 'streamThenHold', 3, marker, release).subscribe({
        next: (item) => items.push(item),
        error: resolve,
        complete: () => resolve('completed'),
      }),
    );
    await waitFor(() => existsSync(marker) && items.length === 3, 'three items to reach the caller');
    first.child.kill('SIGKILL');
    await first.exited;
    writeFileSync(release, '');
    const second = start('second', 1);
    await second.ready;
    expect(await outcome).toBeInstanceOf(RemoteStreamInterruptedError);
    expect(items).toEqual([0, 1, 2]);
  });

  it('Redis paused mid-run (SIGSTOP, then SIGCONT): nothing is lost and work resumes by itself', async () => {
    const [one, two] = [start('one', 2), start('two', 2)];
    await Promise.all([one.ready, two.ready]);
    const log = join(dir, 'pause.log');
    const JOBS = 100;
    const settled = Array.from({ length: JOBS }, (_, tag) =>
      settle(producer.pool.execute(RemoteJobs, 'record', tag, log, 10)),
    );
    await waitFor(() => readRuns(log).size >= 10, 'some jobs to run');
    redis.pause();
    // A few seconds without Redis: the scenario's length, not a measurement.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    redis.resume();
    const outcomes = await Promise.all(settled);
    outcomes.forEach((outcome, tag) => expect(outcome).toMatchObject({ completed: true, values: [{ tag }] }));
    expect(readRuns(log).size).toBe(JOBS);
  });

  it('an instance stopped with SIGTERM finishes the jobs it holds, and none of them runs again', async () => {
    const [leaving, staying] = [start('leaving', 2), start('staying', 2)];
    await Promise.all([leaving.ready, staying.ready]);
    const log = join(dir, 'drain.log');
    const JOBS = 60;
    const settled = Array.from({ length: JOBS }, (_, tag) =>
      settle(producer.pool.execute(RemoteJobs, 'record', tag, log, 50)),
    );
    await waitFor(() => [...readRuns(log).values()].some((r) => r[0] === 'leaving'), 'the leaving instance at work');
    leaving.child.kill('SIGTERM');
    // Nest's shutdown hooks close the app, then end the process with the signal it got.
    expect(await leaving.exited).toBe('SIGTERM');
    const outcomes = await Promise.all(settled);
    outcomes.forEach((outcome, tag) => expect(outcome).toMatchObject({ completed: true, values: [{ tag }] }));
    const runs = readRuns(log);
    expect([...runs.values()].every((by) => by.length === 1)).toBe(true);
    expect(outcomes.some((o) => o.values[0].instance === 'leaving')).toBe(true);
  });
});
