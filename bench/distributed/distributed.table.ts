/** The distributed workload's table: each measure by instance count, this pool beside the sandboxed processor. */
import { formatNumber, formatRatio } from '../report/number.format';
import {
  INSTANCE_COUNTS,
  KINDS,
  percent,
  type DistributedCell,
  type DistributedMetric,
  type DistributedResults,
} from './distributed.bench';
import type { InstanceKind } from './instance.protocol';

const ROWS: readonly { readonly metric: DistributedMetric; readonly label: (r: DistributedResults) => string }[] = [
  { metric: 'jobsPerSecond', label: (r) => `jobs/s, ${formatNumber(r.spinMs)} ms jobs ↑` },
  { metric: 'heavyJobsPerSecond', label: (r) => `jobs/s, ${formatNumber(r.heavyMs)} ms jobs ↑` },
  { metric: 'roundTripP50Ms', label: () => 'round trip p50, ms ↓' },
  { metric: 'roundTripP99Ms', label: () => 'round trip p99, ms ↓' },
];

export function renderDistributedTable(results: DistributedResults): string {
  const cell = (kind: InstanceKind, instances: number): DistributedCell =>
    results.cells.find((c) => c.kind === kind && c.instances === instances)!;
  const header =
    `Scale-out over BullMQ (redis-server ${results.redis}, loopback), medians: per run ${results.jobs} spin jobs, ` +
    `${results.heavyJobs} heavy ones, ${results.roundTrips} round trips of a tiny job one at a time; ` +
    `slots: threads (poolio) or sandboxed processes per instance`;
  const columns = ['measure'.padEnd(24), 'instances'.padStart(9), 'slots'.padStart(6)]
    .concat(['poolio', 'sandboxed', 'ratio'].map((name) => name.padStart(10)))
    .join(' ');
  const rows = ROWS.flatMap(({ metric, label }) =>
    INSTANCE_COUNTS.map((instances, i) => {
      const ours = cell('poolio', instances);
      const theirs = cell('sandboxed', instances);
      return [
        (i === 0 ? label(results) : '').padEnd(24),
        `${instances}`.padStart(9),
        `${instances}×${ours.slotsPerInstance}`.padStart(6),
        formatNumber(ours.medians[metric]).padStart(10),
        formatNumber(theirs.medians[metric]).padStart(10),
        formatRatio(ours.medians[metric] / theirs.medians[metric]).padStart(10),
      ].join(' ');
    }),
  );
  const [one, three] = INSTANCE_COUNTS;
  const scaling = KINDS.map(
    (kind) => `${kind} ${formatRatio(cell(kind, three).medians.jobsPerSecond / cell(kind, one).medians.jobsPerSecond)}`,
  ).join(', ');
  const shares = KINDS.map((kind) => `${kind} ${cell(kind, three).shares.map(percent).join('/')}`).join(', ');
  return [
    header,
    columns,
    ...rows,
    'ratio: poolio ÷ sandboxed (↑: above 1 is better; ↓: below 1 is better)',
    `spin jobs/s with ${three} instances ÷ ${one}: ${scaling}; spin jobs per instance with ${three}: ${shares}`,
  ].join('\n');
}
