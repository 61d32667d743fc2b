import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { PoolClosedError, PoolShutdownTimeoutError } from '../lib';
import { BehaviourJobs } from './fixtures/behaviour.jobs';
import { startPoolApp } from './fixtures/pool-app';
import { settle } from './fixtures/settle';

describe('Pool shutdown', () => {
  it('finishes every job already submitted, running and queued, before the app closes', async () => {
    const { app, pool } = await startPoolApp({ size: 2 });
    const jobs = Array.from({ length: 6 }, (_, i) =>
      settle(pool.execute(BehaviourJobs, 'tally', new Int32Array(new SharedArrayBuffer(4)), 0, 100 + i)),
    );
    expect(pool.status()).toMatchObject({ busy: 2, queued: 4 });
    await app.close();
    const outcomes = await Promise.all(jobs);
    expect(outcomes.map((o) => o.values)).toEqual(new Array(6).fill([1]));
    expect(pool.status()).toMatchObject({ state: 'closed', busy: 0, queued: 0 });
  });

  it('refuses jobs submitted after close with a clear error', async () => {
    const { app, pool } = await startPoolApp({ size: 1 });
    await app.close();
    const { error } = await settle(pool.execute(BehaviourJobs, 'echo', 1));
    expect(error).toBeInstanceOf(PoolClosedError);
    expect((error as Error).message).toBe('BehaviourJobs.echo was refused: the pool is closed');
  });

  it('fails what is left once shutdownTimeout runs out', async () => {
    const { app, pool } = await startPoolApp({ size: 1, shutdownTimeout: 300 });
    const running = settle(pool.execute(BehaviourJobs, 'hold', 5_000));
    const queued = settle(pool.execute(BehaviourJobs, 'echo', 'never started'));
    await app.close();
    const [r, q] = await Promise.all([running, queued]);
    expect(r.error).toBeInstanceOf(PoolShutdownTimeoutError);
    expect((r.error as Error).message).toBe(
      'BehaviourJobs.hold was still running when the 300 ms shutdown timeout ran out',
    );
    expect(q.error).toBeInstanceOf(PoolShutdownTimeoutError);
    expect((q.error as Error).message).toBe(
      'BehaviourJobs.echo had not started when the 300 ms shutdown timeout ran out',
    );
  });

  it('leaves no worker, port or timer behind: a closed app’s process ends on its own', async () => {
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', join('test', 'fixtures', 'close-app.ts')],
      {
        cwd: join(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ results: [1, 2, 3, 4], held: 'number', state: 'closed' });
  });

  it('lets an idle pool’s process exit even if the app is never closed', async () => {
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', '-e', `require('./test/fixtures/never-closed-app.ts')`],
      { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('42');
  });

  it('join() resolves at once on an idle pool', async () => {
    const { app, pool } = await startPoolApp({ size: 1 });
    await pool.join();
    expect(await firstValueFrom(pool.execute(BehaviourJobs, 'echo', 'x'))).toBe('x');
    await app.close();
  });
});
