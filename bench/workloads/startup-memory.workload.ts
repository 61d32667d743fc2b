import { fork } from 'node:child_process';
import { join } from 'node:path';
import { formatNumber } from '../report/number.format';
import { BenchIntegrityError } from '../stats/integrity.error';
import { rotation } from './pool-session.util';
import type { ProbeReport } from './startup.probe';
import { newMetric, type Workload } from './workload.types';

const PROBE_FILE = join(__dirname, 'startup.probe.js');
const PROBE_TIMEOUT_MS = 60_000;
const MIB = 1024 * 1024;

/**
 * Start-up and memory: in a fresh process per measurement, the time from creating a pool of `cores` workers
 * to its first result, and the RSS the pool added once every worker has run a job, per worker. For this pool
 * that includes the main app's Nest context and one Nest context in each worker: that is what it costs.
 */
export const startupMemory: Workload = {
  name: 'startup',
  title: 'start-up time and memory',
  parameters: (context) => ({ workers: context.cores, settleMs: 500, process: 'fresh child process each' }),
  async run(context) {
    const common = { workload: 'startup', better: 'lower', workers: context.cores } as const;
    const firstResult = newMetric(
      { ...common, id: 'startup.first-result', label: 'start-up to first result', unit: 'ms' },
      context.pools,
    );
    const perWorker = newMetric(
      { ...common, id: 'startup.rss-per-worker', label: 'RSS added ÷ workers', unit: 'MiB' },
      context.pools,
    );
    const total = newMetric(
      { ...common, id: 'startup.rss-total', label: `RSS added by the pool (${context.cores} workers)`, unit: 'MiB' },
      context.pools,
    );
    for (let repeat = 0; repeat < context.repeats; repeat++) {
      for (const entry of rotation(context.pools, repeat)) {
        const report = await runProbe(entry.name, context.cores, context.spinIterations);
        const added = (report.rssAfter - report.rssBefore) / MIB;
        firstResult.samples[entry.name].push(report.firstResultMs);
        total.samples[entry.name].push(added);
        perWorker.samples[entry.name].push(added / context.cores);
        context.log(
          `startup  r${repeat + 1}/${context.repeats}  ${entry.name.padEnd(10)} first result ` +
            `${formatNumber(report.firstResultMs).padStart(7)} ms, RSS +${formatNumber(added)} MiB`,
        );
      }
    }
    return [firstResult, perWorker, total];
  },
};

function runProbe(pool: string, size: number, spinIterations: number): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    const child = fork(PROBE_FILE, [pool, String(size), String(spinIterations)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: ProbeReport | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('message', (message) => {
      report = message as ProbeReport;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (report && code === 0) return resolve(report);
      const why = signal ? `was killed (${signal}${signal === 'SIGKILL' ? ', timed out' : ''})` : `exited ${code}`;
      reject(new BenchIntegrityError(`the start-up probe for ${pool} ${why} without a report`));
    });
  });
}
