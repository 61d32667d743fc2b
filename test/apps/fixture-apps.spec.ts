/**
 * Issue 10: the pool in the apps users have. Two fixture apps, each with its own package.json and tsconfig:
 * test/fixtures/esm-app, made as `nest new` (Nest 12) makes an app (ES modules, nodenext, ./x.js imports), and
 * test/fixtures/cjs-app, a CommonJS app. Each uses the README's Usage verbatim (no jobFiles, no loader option)
 * and is run as a user runs it, in child processes on this test's own Node: its e2e spec under vitest with the
 * generated config and under jest with the README's recipe (TypeScript job sources in the workers, DI there),
 * and built with tsc then run with node. The apps import the package by name, as users do: the built
 * library (`nest build`, which `npm test` runs first) is linked as node_modules/nestjs-poolio.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = {
  vitest: join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
  jest: join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
  tsc: join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
};
const APPS = ['esm-app', 'cjs-app'] as const;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function run(cwd: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // CI and JEST_WORKER_ID would make the inner jest think it runs inside this one.
    const env = { ...process.env, JEST_WORKER_ID: undefined, FORCE_COLOR: '0', NO_COLOR: '1' };
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The package as an app sees it: node_modules/nestjs-poolio, here a link to this repo with its built dist/lib. */
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js'))) {
    throw new Error('dist/lib is missing: run `nest build` (npm test does) before this spec');
  }
  const link = join(ROOT, 'node_modules', 'nestjs-poolio');
  let linked = false;
  try {
    linked = lstatSync(link).isSymbolicLink();
  } catch {
    // not there yet
  }
  if (!linked) symlinkSync('..', link, 'dir');
});

describe.each(APPS)('%s', (app) => {
  const cwd = join(ROOT, 'test', 'fixtures', app);
  let reports: string;

  beforeAll(() => {
    reports = mkdtempSync(join(tmpdir(), `poolio-${app}-`));
  });

  afterAll(() => {
    rmSync(reports, { recursive: true, force: true });
  });

  it('runs its job spec under vitest with the generated config', async () => {
    const report = join(reports, 'vitest.json');
    const { code, output } = await run(cwd, [
      BIN.vitest,
      'run',
      '--config',
      'vitest.config.e2e.ts',
      '--reporter=json',
      `--outputFile=${report}`,
      // The configs stay as users have them; a loaded CI machine can take more than their 5 s to boot workers.
      '--testTimeout=60000',
      '--hookTimeout=60000',
    ]);
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const totals = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    expect(totals).toMatchObject({ numPassedTests: 1, numFailedTests: 0 });
  });

  it('runs its job spec under jest with the README recipe', async () => {
    const report = join(reports, 'jest.json');
    const config = app === 'esm-app' ? 'jest.config.cjs' : 'jest.config.js';
    const { code, output } = await run(cwd, [
      BIN.jest,
      '--config',
      config,
      '--ci',
      '--json',
      `--outputFile=${report}`,
      '--testTimeout=60000', // as for vitest above
    ]);
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const totals = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    expect(totals).toMatchObject({ numPassedTests: 1, numFailedTests: 0 });
  });

  it('builds with tsc and runs its jobs with node', async () => {
    const build = await run(cwd, [BIN.tsc, '-p', 'tsconfig.build.json']);
    expect({ code: build.code, output: build.output }).toEqual({ code: 0, output: '' });
    const started = await run(cwd, [join('dist', 'main.js')]);
    expect({ code: started.code, output: started.code === 0 ? '' : started.output }).toEqual({ code: 0, output: '' });
    const line = /^RESULT (.*)$/m.exec(started.output)?.[1];
    expect(JSON.parse(line ?? 'null')).toEqual({ count: 25, threadId: expect.any(Number) });
  });

  if (app === 'cjs-app') {
    // Without swc kept loaded in the main thread, this process died (exit 139) as the first pool's workers ended.
    it("survives the user's own swc loader in execArgv across pool restarts (built by the test above)", async () => {
      const { code, output } = await run(cwd, [join('dist', 'user-loader.js')]);
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'ROUND 1 25\nROUND 2 25\nROUND 3 25' });
    });
  }
});
