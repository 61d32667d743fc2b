/**
 * Issue 5, part 2: PanicSwitch.Kill under load, in a child process with the default exit. After the first
 * panic no new job starts, jobs already running finish and deliver their results, queued and new jobs are
 * refused, the exit code is non-zero, and the log says how many jobs panicked.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const QUEUED = 300;
const AFTER_PANIC = 20;

interface JobReport {
  readonly group: 'holder' | 'exit' | 'timer' | 'queued' | 'after-panic';
  readonly index: number;
  readonly shape: string;
  readonly value?: unknown;
  readonly error?: string;
  readonly runs: number;
  /** Position of its end among all job ends, as the caller saw them. */
  readonly endedAt: number;
}

interface Run {
  readonly code: number | null;
  readonly output: string;
  readonly report: { exitCode: number; state: string; jobs: JobReport[] };
}

async function runKillApp(): Promise<Run> {
  const child = spawn(process.execPath, ['--require', '@swc-node/register', 'test/fixtures/kill-under-load-app.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // a cap: a kill that never ends the process
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(guard);
  const line = output.split('\n').find((l) => l.startsWith('{"exitCode"'));
  if (!line) throw new Error(`The kill app printed no report (exit code ${code}):\n${output.slice(-3000)}`);
  return { code, output, report: JSON.parse(line) as Run['report'] };
}

describe('PanicSwitch.Kill under load (child process)', () => {
  let run: Run;
  const group = (name: JobReport['group']): JobReport[] => run.report.jobs.filter((job) => job.group === name);

  beforeAll(async () => {
    run = await runKillApp();
  }, 90_000);

  it('ends the process with a non-zero exit code, and only after the running job delivered its result', () => {
    expect(run.code).toBe(1);
    expect(run.report.exitCode).toBe(1);
    expect(run.report.state).toBe('killed');
    expect(run.output).not.toContain('survived the kill');
  });

  it('fails each panicking job with a JobPanicError that says why', () => {
    expect(group('exit').map((job) => [job.shape, job.runs, job.error])).toEqual([
      ['error', 1, 'JobPanicError: Job ChaosJobs.exit panicked: its worker exited with code 7'],
    ]);
    expect(group('timer').map((job) => [job.shape, job.runs, job.error])).toEqual([
      [
        'error',
        1,
        expect.stringMatching(/^JobPanicError: Job ChaosJobs.throwFromTimer panicked: .*uncaught RangeError/),
      ],
    ]);
  });

  it('lets the job running through both panics finish and deliver its result', () => {
    expect(group('holder').map((job) => [job.shape, job.value, job.runs])).toEqual([['value', 'signalled', 1]]);
  });

  it('starts no queued job after the first panic: each one delivered before it, or was refused and never ran', () => {
    const firstPanic = Math.min(...[...group('exit'), ...group('timer')].map((job) => job.endedAt));
    const queued = group('queued');
    expect(queued).toHaveLength(QUEUED);
    const wrong = queued.filter((job) => {
      if (job.shape === 'value') return job.runs !== 1 || job.value !== job.index;
      return !(job.shape === 'error' && job.runs === 0 && /^PoolKilledError: /.test(job.error ?? ''));
    });
    expect(wrong).toEqual([]);
    // A queued job that ended after the first panic can only be one that was already running then: the
    // fourth worker was taking short jobs from the queue, running one and holding the next (prefetch), which it
    // may have started in the instant before the panic was seen.
    const deliveredAfterPanic = queued.filter((job) => job.shape === 'value' && job.endedAt > firstPanic);
    expect(deliveredAfterPanic.length).toBeLessThanOrEqual(2);
    expect(queued.filter((job) => job.shape === 'error').length).toBeGreaterThan(0);
    expect(group('queued').find((job) => job.shape === 'error')?.error).toMatch(
      /^PoolKilledError: ChaosJobs.okLater was refused: a job panicked under PanicSwitch.Kill and the process is ending$/,
    );
  });

  it('refuses jobs submitted after the panic, and runs none of them', () => {
    const late = group('after-panic');
    expect(late).toHaveLength(AFTER_PANIC);
    expect(
      late.filter((job) => !(job.shape === 'error' && job.runs === 0 && /^PoolKilledError/.test(job.error!))),
    ).toEqual([]);
  });

  it('logs how many jobs panicked, how many running jobs finished and how many queued jobs were refused', () => {
    const queued = group('queued');
    const firstPanic = Math.min(...[...group('exit'), ...group('timer')].map((job) => job.endedAt));
    const finished = 1 + queued.filter((job) => job.shape === 'value' && job.endedAt > firstPanic).length;
    const refused = queued.filter((job) => job.shape === 'error').length;
    expect(run.output).toContain(
      `PanicSwitch.Kill: 2 job(s) panicked; ${finished} running job(s) finished, ${refused} queued job(s) refused`,
    );
  });
});
