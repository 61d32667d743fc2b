/**
 * Issue 10: how the pool finds and loads the files of job classes and their modules, and what it says when it
 * cannot. The apps of both module formats are run whole in test/apps/fixture-apps.spec.ts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { PoolError } from '../../lib';
import { moduleFormat } from '../../lib/jobs/module-format';
import { ScriptLocator } from '../../lib/jobs/script-locator';
import { EntryProbeJobs, EntryProbeModule } from '../fixtures/entry-probe.jobs';
import { startPoolApp } from '../fixtures/pool-app';
import { UnloadableModule } from '../fixtures/unloadable.jobs';

class DefinedHere {}

describe('ScriptLocator', () => {
  const locator = new ScriptLocator();
  afterAll(() => locator.close());

  it('finds the file that defines a class from where V8 compiled it', () => {
    expect(locator.locate(DefinedHere)).toEqual({ file: __filename });
  });

  it('says why it cannot for a class compiled from a string', () => {
    const FromString = new Function('return class FromString {}')() as Function;
    expect(locator.locate(FromString)).toEqual({ unavailable: expect.stringMatching(/compiled from a string/) });
  });
});

describe('moduleFormat', () => {
  const fixtures = join(__dirname, '..', 'fixtures');

  it.each([
    [join(fixtures, 'esm-app', 'src', 'app.module.ts'), 'module'],
    [join(fixtures, 'esm-app', 'dist', 'main.js'), 'module'],
    [join(fixtures, 'cjs-app', 'src', 'app.module.ts'), 'commonjs'],
    [join(fixtures, 'primes.jobs.ts'), 'commonjs'],
    [join(fixtures, 'esm-app', 'x.cts'), 'commonjs'],
    [join(fixtures, 'cjs-app', 'x.mjs'), 'module'],
  ])('follows Node: %s is %s', (file, format) => {
    expect(moduleFormat(file)).toBe(format);
  });
});

describe('jobFiles', () => {
  it('wins over the files the pool finds: the workers load the classes from them', async () => {
    const entry = join(__dirname, '..', 'fixtures', 'entry-probe.entry.ts');
    const { app, pool } = await startPoolApp({ size: 1, jobFiles: [entry] }, [EntryProbeModule]);
    try {
      await expect(firstValueFrom(pool.execute(EntryProbeJobs, 'loadedThroughEntry'))).resolves.toBe(true);
    } finally {
      await app.close();
    }
  });

  it('without them, the workers load each class from the file that defines it', async () => {
    const { app, pool } = await startPoolApp({ size: 1 }, [EntryProbeModule]);
    try {
      await expect(firstValueFrom(pool.execute(EntryProbeJobs, 'loadedThroughEntry'))).resolves.toBe(false);
    } finally {
      await app.close();
    }
  });
});

describe('a job file a worker cannot load', () => {
  it('fails boot naming the file, how it was loaded, the loader and what to do', async () => {
    const error = await startPoolApp({ size: 1, workerLogLevels: false }, [UnloadableModule]).then(
      async ({ app }) => {
        await app.close();
        return undefined;
      },
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(PoolError);
    expect(error?.message).toContain(join('fixtures', 'unloadable.jobs.ts'));
    expect(error?.message).toContain('as CommonJS (require) with @swc-node/register (CommonJS hook)');
    expect(error?.message).toMatch(/fix the error it threw|jobFiles/);
    expect(error?.message).toContain('native addon unavailable in worker threads');
  });
});

describe('an app whose entry file defines its jobs (a bundle)', () => {
  it('fails app.init() with a PoolConfigError that asks for jobFiles instead of booting the app in a worker', async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--require', '@swc-node/register', join(__dirname, '..', 'fixtures', 'bundled-app.ts')],
        { cwd: join(__dirname, '..', '..') },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(output).toMatch(
      /^FAILED PoolConfigError: The default pool: BundledJobs \(job provider\) is defined in the app's entry file/m,
    );
    expect(output).toContain('jobFiles');
    expect(output).not.toContain('STARTED');
  });
});
