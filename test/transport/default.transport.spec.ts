/**
 * The default transport is loaded by the first pool that starts, not by importing the library: a worker
 * thread imports the library too (for `@PoolJob`, `JobContext`, the errors), and must not carry the supervisor.
 */
import { firstValueFrom } from 'rxjs';
import { BundleIdentityModule } from '../fixtures/bundle-identity.jobs';
import { startPoolApp } from '../fixtures/pool-app';

/** Runs in the worker: the library's files in its module cache, by path relative to `lib/`. */
function libraryFilesLoaded(): string[] {
  const { _cache } = process.getBuiltinModule('node:module') as unknown as { _cache: Record<string, unknown> };
  return Object.keys(_cache)
    .map((file) => /[\\/]lib[\\/](.+)\.[cm]?[jt]s$/.exec(file)?.[1]?.replace(/\\/g, '/'))
    .filter((file): file is string => file !== undefined);
}

describe('the default transport', () => {
  it('leaves the supervisor unloaded in the workers and runs the jobs of the pool that loaded it', async () => {
    const { app, pool } = await startPoolApp({ size: 1 }, [BundleIdentityModule]);
    try {
      const loaded = await firstValueFrom(pool.execute(libraryFilesLoaded));
      // (the list is what it claims to be: the worker did load the library)
      expect(loaded).toEqual(expect.arrayContaining(['index', 'pool', 'worker/worker-main']));
      expect(loaded.filter((file) => /^(transport\/local\.transport|supervisor\/supervisor)$/.test(file))).toEqual([]);
      expect(pool.status()).toMatchObject({ size: 1 });
    } finally {
      await app.close();
    }
  });
});
