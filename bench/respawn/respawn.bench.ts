/**
 * How soon a pool serves again after a job panics its worker (`PanicSwitch.Respawn`, the default), with the
 * worker bundle and without it: a pool of one worker, a job that ends its thread, then the time until the next
 * job's result, which only the replacement can give. This pool only: the peers have no panic switch.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobPanicError, PanicSwitch, Pool, PoolModule } from 'nestjs-poolio';
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { median } from '../stats/stats.util';
import { RespawnBenchJobs, RespawnBenchModule } from './respawn.jobs';

export interface RespawnResults {
  /** Median ms from submitting the crashing job to the replacement's first result, by worker boot mode. */
  readonly panicToServingMs: { readonly bundle: number | null; readonly files: number };
  /** Panics measured per mode. */
  readonly panics: number;
}

const BUNDLE_SWITCH = 'NESTJS_POOLIO_WORKER_BUNDLE';

/** One panic and the replacement's first result, in ms. */
async function panicToServing(pool: Pool, round: number): Promise<number> {
  const start = performance.now();
  const outcome = await firstValueFrom(pool.execute(RespawnBenchJobs, 'crash')).then(
    () => new Error('the crashing job returned'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof JobPanicError)) {
    throw new Error(`respawn: the crashing job should fail with JobPanicError, got ${String(outcome)}`);
  }
  const value = await firstValueFrom(pool.execute(RespawnBenchJobs, 'identity', round));
  const elapsed = performance.now() - start;
  if (value !== round) throw new Error(`respawn: identity(${round}) came back as ${String(value)}`);
  return elapsed;
}

/** Boots a fresh pool (bundle on or off, as the environment says now) and measures `panics` respawns on it. */
async function measure(panics: number, bundle: boolean): Promise<number[]> {
  const previous = process.env[BUNDLE_SWITCH];
  if (bundle) delete process.env[BUNDLE_SWITCH];
  else process.env[BUNDLE_SWITCH] = '0';
  @Module({ imports: [PoolModule.forRoot({ size: 1, panicSwitch: PanicSwitch.Respawn }), RespawnBenchModule] })
  class RespawnBenchAppModule {}
  const app = await NestFactory.createApplicationContext(RespawnBenchAppModule, { logger: false });
  try {
    const pool = app.get(Pool);
    await firstValueFrom(pool.execute(RespawnBenchJobs, 'identity', -1));
    const times: number[] = [];
    for (let round = 0; round < panics; round++) times.push(await panicToServing(pool, round));
    return times;
  } finally {
    await app.close();
    if (previous === undefined) delete process.env[BUNDLE_SWITCH];
    else process.env[BUNDLE_SWITCH] = previous;
  }
}

/** Whether this Node has in-thread module hooks (22.15+) and `npm run build` wrote the bundle. */
function bundleUsable(): boolean {
  const hooks = typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function';
  return hooks && existsSync(join(__dirname, '..', '..', 'lib', 'worker-bundle', 'manifest.json'));
}

/** Both modes, alternating pool by pool (only Nest's files where the bundle cannot be used). */
export async function runRespawnBench(
  repeats: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<RespawnResults> {
  const usable = bundleUsable();
  const panics = quick ? 3 : 5;
  const times = { bundle: [] as number[], files: [] as number[] };
  for (let repeat = 0; repeat < repeats; repeat++) {
    const order = repeat % 2 === 0 ? [true, false] : [false, true];
    for (const bundle of usable ? order : [false]) {
      const measured = await measure(panics, bundle);
      times[bundle ? 'bundle' : 'files'].push(...measured);
      log(
        `respawn  r${repeat + 1}/${repeats}  ${bundle ? 'bundle' : 'files '}  panic → serving ` +
          measured.map((ms) => ms.toFixed(0)).join(', ') +
          ' ms',
      );
    }
  }
  const med = (values: number[]): number => Math.round(median(values) * 10) / 10;
  return {
    panicToServingMs: { bundle: usable ? med(times.bundle) : null, files: med(times.files) },
    panics: panics * repeats,
  };
}

export function renderRespawnTable(results: RespawnResults): string {
  const { bundle, files } = results.panicToServingMs;
  const ratio = bundle === null ? 'n/a (no bundle on this Node)' : `${(bundle / files).toFixed(2)}×`;
  return [
    `Respawn (poolio only, 1 worker, ${results.panics} panics per mode)      median`,
    '------------------------------------------------------------------',
    `panic → replacement serving, worker bundle (ms ↓)      ${bundle ?? 'n/a'}`,
    `panic → replacement serving, Nest's files (ms ↓)       ${files}`,
    `bundle ÷ files                                         ${ratio}`,
  ].join('\n');
}
