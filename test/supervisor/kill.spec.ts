import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { JobPanicError, PanicSwitch, PoolKilledError, type KillReport } from '../../lib';
import { BehaviourJobs } from '../fixtures/behaviour.jobs';
import { startPoolApp } from '../fixtures/pool-app';
import { settle } from '../fixtures/settle';

const ROOT = join(__dirname, '..', '..');

function runNode(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', '@swc-node/register', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('PanicSwitch.Kill', () => {
  it('ends the process: running jobs finish, queued and new jobs are refused, the exit code is non-zero', async () => {
    const { code, stdout, stderr } = await runNode(join('test', 'fixtures', 'kill-app.ts'));
    const outcomes = new Map(
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { job: string; value?: unknown; error?: { name: string; message: string } })
        .map((outcome) => [outcome.job, outcome]),
    );
    expect(code).toBe(1);
    expect(outcomes.get('crash')?.error).toMatchObject({
      name: 'JobPanicError',
      message: expect.stringMatching(/exited with code 7/),
    });
    expect(outcomes.get('hold')?.value).toMatchObject({ threadId: expect.any(Number) });
    for (const job of ['queued-1', 'queued-2', 'queued-3', 'after-panic']) {
      expect(outcomes.get(job)?.error).toMatchObject({ name: 'PoolKilledError' });
    }
    expect(stdout).not.toContain('survived the kill');
    expect(stdout + stderr).toMatch(
      /PanicSwitch\.Kill: 1 job\(s\) panicked; 1 running job\(s\) finished, 3 queued job\(s\) refused/,
    );
  });

  it('calls onKill instead of ending the process when one is given', async () => {
    const reports: KillReport[] = [];
    const { app, pool } = await startPoolApp({
      size: 2,
      panicSwitch: PanicSwitch.Kill,
      onKill: (r) => reports.push(r),
    });
    try {
      const running = settle(pool.execute(BehaviourJobs, 'hold', 800));
      const crash = settle(pool.execute(BehaviourJobs, 'exitWorker', 2));
      const queued = [settle(pool.execute(BehaviourJobs, 'echo', 1)), settle(pool.execute(BehaviourJobs, 'echo', 2))];

      expect((await crash).error).toBeInstanceOf(JobPanicError);
      for (const outcome of await Promise.all(queued)) expect(outcome.error).toBeInstanceOf(PoolKilledError);
      const late = await settle(pool.execute(BehaviourJobs, 'echo', 3));
      expect(late.error).toBeInstanceOf(PoolKilledError);
      expect((late.error as Error).message).toMatch(/refused: a job panicked under PanicSwitch.Kill/);
      expect(pool.status().state).toBe('killing');

      const finished = await running;
      expect(finished.completed).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50)); // workers are terminated before onKill
      await app.close();
      expect(reports).toEqual([
        {
          panicked: 1,
          finished: 1,
          refused: 2,
          reasons: ['Job BehaviourJobs.exitWorker panicked: its worker exited with code 2'],
        },
      ]);
      expect(pool.status().state).toBe('killed');
    } finally {
      await app.close();
    }
  });
});
