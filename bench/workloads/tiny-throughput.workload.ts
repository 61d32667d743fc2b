import { formatNumber } from '../report/number.format';
import { elapsedMs } from '../stats/stats.util';
import { BenchIntegrityError, expectResult } from '../stats/integrity.error';
import { rotation, warmUp, withPool } from './pool-session.util';
import { newMetric, type Metric, type Workload, type WorkloadContext } from './workload.types';

const jobCount = (context: WorkloadContext): number => (context.quick ? 10_000 : 100_000);
const warmUpCount = (context: WorkloadContext): number => (context.quick ? 1_000 : 5_000);

/**
 * Tiny-job throughput: N identity jobs submitted at once to a pool of `cores` workers; the time runs from the
 * first submission to the last result. It measures what a pool costs per job: dispatch, messaging, settling.
 */
export const tinyThroughput: Workload = {
  name: 'tiny',
  title: 'tiny-job throughput',
  parameters: (context) => ({ jobs: jobCount(context), warmUpJobs: warmUpCount(context), workers: context.cores }),
  async run(context) {
    const jobs = jobCount(context);
    const metric = newMetric(
      {
        id: 'tiny.throughput',
        workload: 'tiny',
        label: `tiny jobs, ${context.cores} workers`,
        unit: 'jobs/s',
        better: 'higher',
        chart: 'throughput',
        workers: context.cores,
      },
      context.pools,
    );
    for (let repeat = 0; repeat < context.repeats; repeat++) {
      for (const entry of rotation(context.pools, repeat)) {
        const ms = await withPool(entry, context.cores, async (pool) => {
          await warmUp(entry.name, pool, warmUpCount(context));
          const pending = new Array<Promise<unknown>>(jobs);
          const start = performance.now();
          for (let i = 0; i < jobs; i++) pending[i] = pool.run('identity', i);
          const results = await Promise.all(pending);
          const took = elapsedMs(start);
          if (results.length !== jobs) {
            throw new BenchIntegrityError(`${entry.name} settled ${results.length} of ${jobs} jobs`);
          }
          for (let i = 0; i < jobs; i++) {
            if (results[i] !== i) expectResult(entry.name, `identity(${i})`, results[i], i);
          }
          return took;
        });
        const rate = (jobs / ms) * 1000;
        metric.samples[entry.name].push(rate);
        context.log(
          `tiny     r${repeat + 1}/${context.repeats}  ${entry.name.padEnd(10)} ${formatNumber(rate).padStart(10)} jobs/s`,
        );
      }
    }
    return [metric] satisfies Metric[];
  },
};
