/**
 * Issue 13, workers that boot fast and light. The worker bundle (scripts/build-worker-bundle.mjs, built by `npm run build`, which `npm test` runs
 * first). Workers on a Node with in-thread module hooks (22.15+) load Nest from it; every import of Nest in the
 * worker must still meet one Nest, or DI breaks. Elsewhere, or turned off, workers load Nest's files as before.
 * And the workers' default memory limits.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { firstValueFrom } from 'rxjs';
import type { PoolOptions } from '../lib';
import { readWorkerBundle } from '../lib/worker/worker-bundle.finder';
import { BundleIdentityJobs, BundleIdentityModule } from './fixtures/bundle-identity.jobs';
import { startPoolApp } from './fixtures/pool-app';

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'lib', 'worker-bundle');
const HOOKS = typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function';
const withHooks = HOOKS ? it : it.skip;

beforeAll(() => {
  if (HOOKS && !existsSync(join(BUNDLE_DIR, 'manifest.json'))) {
    throw new Error('dist/lib/worker-bundle is missing: run `npm run build` (npm test does) before this spec');
  }
});

async function identitiesInAWorker(): Promise<Record<string, boolean>> {
  const { app, pool } = await startPoolApp({ size: 1 }, [BundleIdentityModule]);
  try {
    return await firstValueFrom(pool.execute(BundleIdentityJobs, 'identities'));
  } finally {
    await app.close();
  }
}

const ONE_NEST = {
  moduleRefIsNests: true,
  deepModuleRefIsTheSame: true,
  helperThroughModuleRef: true,
  jobContextInjected: true,
  deepObservableIsTheSame: true,
};

describe('the worker bundle', () => {
  it('gives the workers one Nest: DI, ModuleRef by name and by deep import, JobContext, rxjs', async () => {
    expect(await identitiesInAWorker()).toEqual({ bundled: HOOKS, ...ONE_NEST });
  });

  withHooks("defers the built-ins a worker never uses (Nest's HTTP server, TLS, hashing) until touched", async () => {
    const loadedInAWorker = async (): Promise<string[]> => {
      const { app, pool } = await startPoolApp({ size: 1 }, [BundleIdentityModule]);
      try {
        const builtins = (): string[] =>
          (process as unknown as { moduleLoadList: string[] }).moduleLoadList.filter((entry) =>
            entry.startsWith('NativeModule '),
          );
        return await firstValueFrom(pool.execute(builtins));
      } finally {
        await app.close();
      }
    };
    const loaded = await loadedInAWorker();
    expect(loaded).toContain('NativeModule worker_threads'); // (the list is what it claims to be)
    // (crypto is deferred too, but the TypeScript loader these tests run the workers with loads it itself)
    expect(loaded.filter((entry) => /^NativeModule (http|tls)$/.test(entry))).toEqual([]);
  });

  it('is left out with NESTJS_POOLIO_WORKER_BUNDLE=0, and the workers load Nest as files', async () => {
    process.env.NESTJS_POOLIO_WORKER_BUNDLE = '0';
    try {
      expect(await identitiesInAWorker()).toEqual({ bundled: false, ...ONE_NEST });
    } finally {
      delete process.env.NESTJS_POOLIO_WORKER_BUNDLE;
    }
  });

  withHooks('holds exactly the files Node itself loads for Nest here, each where Node finds it', () => {
    // In a plain Node process (not jest's module system): every file a worker would load for Nest.
    const script = `
      const seen = new Set();
      require('node:module').registerHooks({ load(url, context, next) { seen.add(url); return next(url, context); } });
      for (const name of ['reflect-metadata', '@nestjs/common', '@nestjs/core', 'rxjs']) require(name);
      console.log(JSON.stringify([...seen].filter((url) => url.includes('/node_modules/'))));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
    const bundle = readWorkerBundle(BUNDLE_DIR);
    expect(bundle).toBeDefined();
    const held = bundle!.modules.map(([pkg, path]) => pathToFileURL(join(bundle!.roots[pkg], path)).href);
    expect(held).toHaveLength(new Set(held).size);
    expect(held.sort()).toEqual(loaded.sort());
  });

  it('is not used when it was built for other versions than the installed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolio-bundle-'));
    try {
      if (!existsSync(join(BUNDLE_DIR, 'manifest.json'))) return; // (nothing built: nothing to compare)
      copyFileSync(join(BUNDLE_DIR, 'worker-bundle.cjs'), join(dir, 'worker-bundle.cjs'));
      const manifest = JSON.parse(readFileSync(join(BUNDLE_DIR, 'manifest.json'), 'utf8')) as {
        packages: { name: string; version: string }[];
      };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      expect(readWorkerBundle(dir)?.file).toBe(join(dir, 'worker-bundle.cjs'));
      const core = manifest.packages.find((pkg) => pkg.name === '@nestjs/core')!;
      core.version = `${core.version}-other`;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      expect(readWorkerBundle(dir)).toBeUndefined();
      expect(readWorkerBundle(join(dir, 'nothing-here'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the workers' memory limits", () => {
  const limitsInAWorker = async (resourceLimits?: PoolOptions['resourceLimits']): Promise<ResourceLimits> => {
    const { app, pool } = await startPoolApp({ size: 1, resourceLimits }, [BundleIdentityModule]);
    try {
      const read = (): ResourceLimits => process.getBuiltinModule('node:worker_threads').resourceLimits;
      return await firstValueFrom(pool.execute(read));
    } finally {
      await app.close();
    }
  };

  it('give each worker a 3 MiB young generation by default', async () => {
    expect((await limitsInAWorker()).maxYoungGenerationSizeMb).toBe(3);
  });

  it('take the resourceLimits option over that default, and keep it for what the option leaves out', async () => {
    expect((await limitsInAWorker({ maxYoungGenerationSizeMb: 16 })).maxYoungGenerationSizeMb).toBe(16);
    const limits = await limitsInAWorker({ maxOldGenerationSizeMb: 256 });
    expect(limits).toMatchObject({ maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 256 });
  });
});
