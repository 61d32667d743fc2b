import { formatNumber } from '../report/number.format';
import { spin, type SpinInput } from '../tasks/bench.tasks';
import { elapsedMs } from '../stats/stats.util';
import { BenchIntegrityError, expectResult } from '../stats/integrity.error';
import { rotation, withPool } from './pool-session.util';
import { newMetric, type Metric, type Workload, type WorkloadContext } from './workload.types';

/** Distinct seeds: enough to vary the input, few enough to know every expected result beforehand. */
const SEEDS = 8;
const jobCount = (context: WorkloadContext): number => (context.quick ? 48 : 320);
const sizes = (context: WorkloadContext): number[] => Array.from({ length: context.cores }, (_, i) => i + 1);

/**
 * CPU-bound throughput at pool sizes 1..cores: N jobs of a few milliseconds each (the `spin` loop), submitted
 * at once. Speedup is a pool's throughput at k workers over its own at 1 worker, taken within one repeat;
 * scaling efficiency is speedup ÷ k.
 */
export const cpuScaling: Workload = {
  name: 'cpu',
  title: 'CPU-bound throughput and scaling',
  parameters: (context) => ({
    jobs: jobCount(context),
    spinIterations: context.spinIterations,
    workers: sizes(context).join(','),
  }),
  async run(context) {
    const jobs = jobCount(context);
    const inputs: SpinInput[] = Array.from({ length: SEEDS }, (_, seed) => ({
      iterations: context.spinIterations,
      seed: seed + 1,
    }));
    const expected = inputs.map((input) => spin(input));
    const throughput = new Map<number, Metric & { samples: Record<string, number[]> }>();
    for (const k of sizes(context)) {
      throughput.set(
        k,
        newMetric(
          {
            id: `cpu.throughput.${k}`,
            workload: 'cpu',
            label: `CPU jobs, ${k} worker${k === 1 ? '' : 's'}`,
            unit: 'jobs/s',
            better: 'higher',
            chart: 'throughput',
            workers: k,
          },
          context.pools,
        ),
      );
    }
    for (let repeat = 0; repeat < context.repeats; repeat++) {
      for (const entry of rotation(context.pools, repeat)) {
        // Alternate the size order too, so neither size always runs first.
        for (const k of repeat % 2 === 0 ? sizes(context) : sizes(context).reverse()) {
          const ms = await withPool(entry, k, async (pool) => {
            // One job per worker and a few more: boots every worker and compiles the loop there.
            await runBatch(entry.name, pool.run.bind(pool), inputs, expected, k * 2);
            const start = performance.now();
            await runBatch(entry.name, pool.run.bind(pool), inputs, expected, jobs);
            return elapsedMs(start);
          });
          const rate = (jobs / ms) * 1000;
          throughput.get(k)!.samples[entry.name].push(rate);
          context.log(
            `cpu      r${repeat + 1}/${context.repeats}  ${entry.name.padEnd(10)} ${k} worker(s) ` +
              `${formatNumber(rate).padStart(10)} jobs/s`,
          );
        }
      }
    }
    return [...throughput.values(), ...scalingMetrics(context, throughput)];
  },
};

type Run = (task: 'spin', input: SpinInput) => Promise<unknown>;

async function runBatch(name: string, run: Run, inputs: SpinInput[], expected: number[], jobs: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: jobs }, (_, i) => run('spin', inputs[i % inputs.length])));
  if (results.length !== jobs) throw new BenchIntegrityError(`${name} settled ${results.length} of ${jobs} jobs`);
  results.forEach((value, i) => {
    const seed = inputs[i % inputs.length].seed;
    expectResult(name, `spin(seed ${seed}) #${i}`, value, expected[i % inputs.length]);
  });
}

/** Speedup and efficiency per repeat, from the throughput samples of the same repeat. */
function scalingMetrics(context: WorkloadContext, throughput: Map<number, Metric>): Metric[] {
  const base = throughput.get(1)!;
  const metrics: Metric[] = [];
  for (const k of sizes(context)) {
    const at = throughput.get(k)!;
    const speedup = newMetric(
      {
        id: `cpu.speedup.${k}`,
        workload: 'cpu',
        label: `CPU speedup, ${k} vs 1 worker`,
        unit: '×',
        better: 'higher',
        workers: k,
      },
      context.pools,
    );
    const efficiency = newMetric(
      {
        id: `cpu.efficiency.${k}`,
        workload: 'cpu',
        label: `CPU scaling efficiency, ${k} worker${k === 1 ? '' : 's'}`,
        unit: '%',
        better: 'higher',
        chart: 'efficiency',
        workers: k,
        inTable: k > 1,
      },
      context.pools,
    );
    for (const pool of context.pools) {
      at.samples[pool.name].forEach((rate, repeat) => {
        const ratio = rate / base.samples[pool.name][repeat];
        speedup.samples[pool.name].push(ratio);
        efficiency.samples[pool.name].push((ratio / k) * 100);
      });
    }
    // At one worker both are 1 by definition: kept for the chart's lines, left out of the tables.
    if (k > 1) metrics.push(speedup);
    metrics.push(efficiency);
  }
  return metrics;
}
