/**
 * Measurements of this pool's job controls, next to the side-by-side workloads: payload round trips by size
 * (moved vs copied), the time from unsubscribe to the worker being free again, the cost of `events$`, and
 * the main thread's event-loop delay while the pool is saturated.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool, PoolModule, transfer } from 'nestjs-poolio';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { firstValueFrom } from 'rxjs';
import { median } from '../stats/stats.util';
import { ControlBenchJobs, ControlBenchModule } from './control.jobs';

export interface ControlResults {
  /** Median round trip in ms, by mode and size. */
  readonly payloadMs: Record<'copy' | 'transfer', Record<'64KiB' | '64MiB', number>>;
  /** 64 MiB ÷ 64 KiB round trip, moved. */
  readonly transferSizeRatio: number;
  /** Median ms from unsubscribe to the pool having no busy worker. */
  readonly cancelToFreeMs: { readonly cooperative: number; readonly ignoring: number; readonly cancelGraceMs: number };
  /** Tiny-job throughput with an `events$` subscriber ÷ without (1 = free). */
  readonly eventsThroughputRatio: number;
  /** p99 of the main thread's event-loop delay while 100k tiny jobs ran, ms. */
  readonly eventLoopDelayP99Ms: number;
}

const CANCEL_GRACE_MS = 100;

async function withPool<T>(size: number, body: (pool: Pool) => Promise<T>): Promise<T> {
  @Module({ imports: [PoolModule.forRoot({ size, cancelGrace: CANCEL_GRACE_MS }), ControlBenchModule] })
  class ControlBenchAppModule {}
  const app = await NestFactory.createApplicationContext(ControlBenchAppModule, { logger: false });
  try {
    return await body(app.get(Pool));
  } finally {
    await app.close();
  }
}

/**
 * Medians of 15 round trips of each size, the sizes alternating, after 3 unmeasured rounds. No collection is
 * forced between trips: a forced full GC leaves sweeping and unmapping to run during the next trip, which made a
 * moved 64 MiB payload look ten times slower than it is. Copies run after the moved payloads.
 */
async function payloadRoundTrips(pool: Pool, move: boolean): Promise<Record<'64KiB' | '64MiB', number>> {
  const sizes = { '64KiB': 64 << 10, '64MiB': 64 << 20 } as const;
  const times: Record<keyof typeof sizes, number[]> = { '64KiB': [], '64MiB': [] };
  for (let trip = 0; trip < 18; trip++) {
    for (const [size, bytes] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
      const payload = new Uint8Array(bytes);
      const start = performance.now();
      const back = await firstValueFrom(
        pool.execute(ControlBenchJobs, 'echoBytes', move ? transfer(payload) : payload, move),
      );
      if (trip >= 3) times[size].push(performance.now() - start);
      if (back.length !== bytes || back[0] !== 1) throw new Error(`payload of ${bytes} bytes came back wrong`);
    }
  }
  return { '64KiB': median(times['64KiB']), '64MiB': median(times['64MiB']) };
}

async function cancelToFree(pool: Pool, method: 'untilCancelled' | 'ignoreCancel'): Promise<number> {
  const subscription = pool.execute(ControlBenchJobs, method).subscribe();
  while (pool.status().busy === 0) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20)); // let it run
  const start = performance.now();
  subscription.unsubscribe();
  await pool.join();
  const ms = performance.now() - start;
  while (pool.status().idle < pool.status().size) await new Promise((resolve) => setTimeout(resolve, 10));
  return ms;
}

async function tinyThroughput(pool: Pool, jobs: number): Promise<number> {
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, i) => firstValueFrom(pool.execute(ControlBenchJobs, 'identity', i))),
  );
  const seconds = (performance.now() - start) / 1000;
  results.forEach((value, i) => {
    if (value !== i) throw new Error(`identity(${i}) returned ${value}`);
  });
  return jobs / seconds;
}

export async function runJobControlBench(
  cores: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<ControlResults> {
  const repeats = quick ? 2 : 5;
  const payload = {
    copy: { '64KiB': [] as number[], '64MiB': [] as number[] },
    transfer: { '64KiB': [] as number[], '64MiB': [] as number[] },
  };
  const cancel = { cooperative: [] as number[], ignoring: [] as number[] };
  const withEvents: number[] = [];
  const withoutEvents: number[] = [];
  const delays: number[] = [];
  const tinyJobs = quick ? 20_000 : 100_000;

  await withPool(cores, async (pool) => {
    await tinyThroughput(pool, 2_000); // warm-up
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const move of [true, false]) {
        const trips = await payloadRoundTrips(pool, move);
        for (const size of ['64KiB', '64MiB'] as const) payload[move ? 'transfer' : 'copy'][size].push(trips[size]);
      }
      cancel.cooperative.push(await cancelToFree(pool, 'untilCancelled'));
      cancel.ignoring.push(await cancelToFree(pool, 'ignoreCancel'));
      // Alternate the order, so drift hits both alike.
      const order = repeat % 2 === 0 ? [false, true] : [true, false];
      for (const observed of order) {
        const subscription = observed ? pool.events$.subscribe(() => undefined) : undefined;
        const histogram = monitorEventLoopDelay({ resolution: 5 });
        histogram.enable();
        const rate = await tinyThroughput(pool, tinyJobs);
        histogram.disable();
        subscription?.unsubscribe();
        (observed ? withEvents : withoutEvents).push(rate);
        if (!observed) delays.push(histogram.percentile(99) / 1e6);
      }
      log(
        `control  r${repeat + 1}/${repeats}  64 MiB moved ${payload.transfer['64MiB'].at(-1)!.toFixed(2)} ms, ` +
          `copied ${payload.copy['64MiB'].at(-1)!.toFixed(1)} ms; cancel→free ${cancel.cooperative.at(-1)!.toFixed(1)} / ` +
          `${cancel.ignoring.at(-1)!.toFixed(0)} ms; tiny ${withoutEvents.at(-1)!.toFixed(0)} jobs/s, with events$ ${withEvents.at(-1)!.toFixed(0)}`,
      );
    }
  });

  const med = (values: number[]): number => Math.round(median(values) * 100) / 100;
  const payloadMs = {
    copy: { '64KiB': med(payload.copy['64KiB']), '64MiB': med(payload.copy['64MiB']) },
    transfer: { '64KiB': med(payload.transfer['64KiB']), '64MiB': med(payload.transfer['64MiB']) },
  };
  return {
    payloadMs,
    transferSizeRatio: Math.round((payloadMs.transfer['64MiB'] / payloadMs.transfer['64KiB']) * 100) / 100,
    cancelToFreeMs: {
      cooperative: med(cancel.cooperative),
      ignoring: med(cancel.ignoring),
      cancelGraceMs: CANCEL_GRACE_MS,
    },
    eventsThroughputRatio: Math.round((median(withEvents) / median(withoutEvents)) * 1000) / 1000,
    eventLoopDelayP99Ms: med(delays),
  };
}

export function renderControlTable(results: ControlResults): string {
  const p = results.payloadMs;
  return [
    'Job controls (poolio only)                         median',
    '----------------------------------------------------------',
    `payload round trip 64 KiB, copied (ms ↓)        ${p.copy['64KiB']}`,
    `payload round trip 64 MiB, copied (ms ↓)        ${p.copy['64MiB']}`,
    `payload round trip 64 KiB, transfer() (ms ↓)    ${p.transfer['64KiB']}`,
    `payload round trip 64 MiB, transfer() (ms ↓)    ${p.transfer['64MiB']}`,
    `64 MiB ÷ 64 KiB, transfer()                     ${results.transferSizeRatio}×`,
    `unsubscribe → worker free, cooperative (ms ↓)   ${results.cancelToFreeMs.cooperative}`,
    `unsubscribe → worker free, ignores signal (ms ↓) ${results.cancelToFreeMs.ignoring} (cancelGrace ${results.cancelToFreeMs.cancelGraceMs})`,
    `tiny-job throughput with events$ ÷ without      ${results.eventsThroughputRatio}×`,
    `event-loop delay p99 while saturated (ms ↓)     ${results.eventLoopDelayP99Ms}`,
  ].join('\n');
}
