import { formatNumber } from '../report/number.format';
import { percentile } from '../stats/stats.util';
import { expectResult } from '../stats/integrity.error';
import { rotation, warmUp, withPool } from './pool-session.util';
import { newMetric, type Metric, type Workload, type WorkloadContext } from './workload.types';

const tripCount = (context: WorkloadContext): number => (context.quick ? 1_000 : 5_000);
const warmUpCount = (context: WorkloadContext): number => (context.quick ? 200 : 1_000);

/**
 * Round-trip latency: one identity job at a time on an idle pool, the next submitted only once the last one's
 * result is in; at pool size 1 and at `cores` workers (a pool then has idle workers to choose from). p50 and
 * p99 of each repeat, then the median of those across repeats.
 */
export const roundTrip: Workload = {
  name: 'latency',
  title: 'sequential round trip',
  parameters: (context) => ({
    trips: tripCount(context),
    warmUpTrips: warmUpCount(context),
    workers: sizesOf(context).join(' and '),
  }),
  async run(context) {
    const metrics: Metric[] = [];
    for (const size of sizesOf(context)) metrics.push(...(await measure(context, size)));
    return metrics;
  },
};

/** Size 1, and the machine's core count where that differs. */
function sizesOf(context: WorkloadContext): number[] {
  return context.cores > 1 ? [1, context.cores] : [1];
}

async function measure(context: WorkloadContext, size: number): Promise<Metric[]> {
  const trips = tripCount(context);
  const common = { workload: 'latency', unit: 'µs', better: 'lower', workers: size } as const;
  const p50 = newMetric({ ...common, id: `latency.p50.${size}`, label: `round trip p50, size ${size}` }, context.pools);
  const p99 = newMetric({ ...common, id: `latency.p99.${size}`, label: `round trip p99, size ${size}` }, context.pools);
  for (let repeat = 0; repeat < context.repeats; repeat++) {
    for (const entry of rotation(context.pools, repeat)) {
      const micros = await withPool(entry, size, async (pool) => {
        await warmUp(entry.name, pool, size * 2);
        for (let i = 0; i < warmUpCount(context); i++) {
          expectResult(entry.name, `identity(${i})`, await pool.run('identity', i), i);
        }
        const times = new Array<number>(trips);
        for (let i = 0; i < trips; i++) {
          const start = performance.now();
          const value = await pool.run('identity', i);
          times[i] = (performance.now() - start) * 1000;
          if (value !== i) expectResult(entry.name, `identity(${i})`, value, i);
        }
        return times;
      });
      p50.samples[entry.name].push(percentile(micros, 50));
      p99.samples[entry.name].push(percentile(micros, 99));
      context.log(
        `latency  size ${size}  r${repeat + 1}/${context.repeats}  ${entry.name.padEnd(10)} p50 ` +
          `${formatNumber(percentile(micros, 50)).padStart(7)} µs, p99 ${formatNumber(percentile(micros, 99)).padStart(7)} µs`,
      );
    }
  }
  return [p50, p99];
}
