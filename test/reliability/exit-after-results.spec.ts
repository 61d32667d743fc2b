/**
 * Issue 14, item 2: a worker that posts results and then exits. With the main thread busy at that moment, the
 * worker's exit is heard before the statuses it posted first; the jobs it had finished must still succeed, only
 * the job that ended it panics, and a Kill report counts that one alone. Run in a child process (Kill ends it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

interface Report {
  outcomes: Record<string, number>;
  report?: { panicked: number; reasons: string[]; finished: number; refused: number };
}

async function runApp(mode: 'respawn' | 'kill'): Promise<{ code: number | null; stderr: string; lines: string[] }> {
  const child = spawn(
    process.execPath,
    ['--require', '@swc-node/register', join('test', 'fixtures', 'exit-after-results-app.ts'), mode],
    { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A cap, not a timing assertion: a process that does not end is a failure of its own.
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(guard);
  return { code, stderr: stderr.slice(-2000), lines: stdout.split('\n').filter((line) => line.startsWith('{')) };
}

describe('A worker that exits right after posting results (child process)', () => {
  it('under Respawn, the jobs it had finished succeed; only the job that exited panics', async () => {
    const { code, stderr, lines } = await runApp('respawn');
    expect({ code, stderr, lines: lines.length }).toEqual({ code: 0, stderr: '', lines: 1 });
    const { outcomes } = JSON.parse(lines[0]) as Report;
    // Five rounds of a held job, twelve tiny jobs sent ahead in one go, then the exit.
    expect(outcomes).toEqual({ 'hold:value': 5, 'tiny:value': 60, 'exit:error:JobPanicError': 5 });
  }, 120_000);

  it('under Kill, the jobs it had finished succeed and the report counts the one job that panicked', async () => {
    const { code, stderr, lines } = await runApp('kill');
    expect({ code, stderr, lines: lines.length }).toEqual({ code: 0, stderr: '', lines: 1 });
    const { outcomes, report } = JSON.parse(lines[0]) as Report;
    expect(outcomes).toEqual({ 'hold:value': 1, 'tiny:value': 12, 'exit:error:JobPanicError': 1 });
    expect(report).toEqual({
      panicked: 1,
      reasons: ['Job ChaosJobs.exit panicked: its worker exited with code 3'],
      finished: 0,
      refused: 0,
    });
  }, 120_000);
});
