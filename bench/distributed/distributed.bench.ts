/**
 * Scale-out across app instances: spin jobs through a BullMQ queue on a redis-server the bench starts on a free
 * loopback port, consumed by 1 and 3 local app instances (child processes), two ways: this pool's BullMQ
 * transport (threads booted with Nest DI) and a plain `@nestjs/bullmq` sandboxed processor (child processes
 * without DI), the alternative users have today. The submitting side is this process, an API-only instance.
 * Jobs/s under a window that keeps every slot busy, and the round trip of one job at a time (p50, p99);
 * every result is checked, and so is which instance ran it.
 */
import { execFileSync } from 'node:child_process';
import { redisServerBinary, startRedisServer } from '../../test/fixtures/redis-server';
import { formatNumber, formatRatio } from '../report/number.format';
import { within } from '../stats/deadline.util';
import { BenchIntegrityError, expectResult } from '../stats/integrity.error';
import { elapsedMs, median, percentile } from '../stats/stats.util';
import { spin, type SpinInput } from '../tasks/bench.tasks';
import type { InstanceResult } from './distributed.jobs';
import { startInstance, type Instance } from './instance.launcher';
import type { InstanceKind } from './instance.protocol';
import { startProducer, type Producer, type QueueAddress } from './producers';

export const KINDS: readonly InstanceKind[] = ['poolio', 'sandboxed'];
export const INSTANCE_COUNTS = [1, 3] as const;
/** Distinct spin inputs, cycled: their results are computed here once, before anything is measured. */
const DISTINCT_SEEDS = 16;
/** A job that does next to nothing, for the round trip: what the queue and the transport cost. */
const ROUND_TRIP_ITERATIONS = 1_000;
const JOB_CAP_MS = 60_000;

export interface DistributedSettings {
  readonly cores: number;
  readonly repeats: number;
  readonly quick: boolean;
  readonly spinIterations: number;
  readonly log: (line: string) => void;
}

export interface DistributedCell {
  readonly kind: InstanceKind;
  readonly instances: number;
  /** Threads (poolio) or sandboxed processes (BullMQ concurrency) per instance. */
  readonly slotsPerInstance: number;
  /** Medians over the repeats. */
  readonly jobsPerSecond: number;
  readonly roundTripP50Ms: number;
  readonly roundTripP99Ms: number;
  /** Share of the throughput jobs each instance ran, in the last repeat (sums to 1). */
  readonly shares: readonly number[];
  readonly samples: { readonly jobsPerSecond: number[]; readonly p50: number[]; readonly p99: number[] };
}

export interface DistributedResults {
  readonly redis: string;
  readonly jobs: number;
  readonly window: Record<number, number>;
  readonly roundTrips: number;
  readonly spinIterations: number;
  readonly cells: readonly DistributedCell[];
}

/** Why the workload cannot run here, or undefined when it can. */
export function distributedUnavailable(): string | undefined {
  return redisServerBinary()
    ? undefined
    : 'redis-server is not installed (apt-get install redis-server, as .ci/run does, or set REDIS_SERVER)';
}

export function slotsPerInstance(cores: number, instances: number): number {
  return Math.max(1, Math.floor(cores / instances));
}

export async function runDistributedBench(settings: DistributedSettings): Promise<DistributedResults> {
  const { cores, repeats, quick, spinIterations, log } = settings;
  const jobs = quick ? 300 : 1_000;
  const roundTrips = quick ? 50 : 200;
  const inputs = Array.from({ length: DISTINCT_SEEDS }, (_, i) => ({ iterations: spinIterations, seed: i + 1 }));
  const expected = inputs.map(spin);
  const server = await startRedisServer();
  // "Redis server v=7.0.15 sha=… malloc=… bits=64 build=…"
  const version = execFileSync(redisServerBinary()!, ['--version'], { encoding: 'utf8' });
  const redis = /v=(\S+)/.exec(version)?.[1] ?? version.trim();
  const window: Record<number, number> = {};
  const samples = new Map<string, { jobsPerSecond: number[]; p50: number[]; p99: number[]; shares: number[] }>();
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const instances of INSTANCE_COUNTS) {
        const slots = slotsPerInstance(cores, instances);
        // Twice the slots in flight: every slot stays busy, and jobs wait in Redis, as under real load.
        window[instances] = 2 * slots * instances;
        for (const kind of KINDS) {
          const address = { host: server.host, port: server.port, prefix: `bench-${kind}-${instances}-r${repeat}` };
          const run = await measure(kind, instances, slots, address, {
            jobs,
            window: window[instances],
            roundTrips,
            inputs,
            expected,
            log,
          });
          const key = `${kind}/${instances}`;
          const entry = samples.get(key) ?? { jobsPerSecond: [], p50: [], p99: [], shares: [] };
          entry.jobsPerSecond.push(run.jobsPerSecond);
          entry.p50.push(run.p50);
          entry.p99.push(run.p99);
          entry.shares = run.shares;
          samples.set(key, entry);
          log(
            `distributed r${repeat}/${repeats}  ${kind.padEnd(9)} ×${instances} (${slots} each)  ` +
              `${formatNumber(run.jobsPerSecond).padStart(7)} jobs/s  round trip p50 ${formatNumber(run.p50)} ms, ` +
              `p99 ${formatNumber(run.p99)} ms  by instance ${run.shares.map(percent).join(' ')}`,
          );
        }
      }
    }
  } finally {
    await server.stop();
  }
  const cells = INSTANCE_COUNTS.flatMap((instances) =>
    KINDS.map((kind): DistributedCell => {
      const entry = samples.get(`${kind}/${instances}`)!;
      return {
        kind,
        instances,
        slotsPerInstance: slotsPerInstance(cores, instances),
        jobsPerSecond: median(entry.jobsPerSecond),
        roundTripP50Ms: median(entry.p50),
        roundTripP99Ms: median(entry.p99),
        shares: entry.shares,
        samples: { jobsPerSecond: entry.jobsPerSecond, p50: entry.p50, p99: entry.p99 },
      };
    }),
  );
  return { redis, jobs, window, roundTrips, spinIterations, cells };
}

interface Load {
  readonly jobs: number;
  readonly window: number;
  readonly roundTrips: number;
  readonly inputs: readonly SpinInput[];
  readonly expected: readonly number[];
  readonly log: (line: string) => void;
}

interface Run {
  readonly jobsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly shares: number[];
}

async function measure(
  kind: InstanceKind,
  count: number,
  size: number,
  address: QueueAddress,
  load: Load,
): Promise<Run> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startInstance({ kind, ...address, size }, load.log)),
  );
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let producer: Producer | undefined;
  try {
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    producer = await startProducer(kind, address);
    const pids = instances.map((instance) => instance.pid);
    const check = checker(kind, pids, load);
    // Warm-up, not measured: every thread or sandboxed process is up and has run the job before the clock runs.
    await runWindow(producer, load.window * 2, load.window, load.inputs, check);

    const ran = new Map(pids.map((pid) => [pid, 0]));
    const start = performance.now();
    await runWindow(producer, load.jobs, load.window, load.inputs, (index, result) => {
      check(index, result);
      ran.set(result.instance, ran.get(result.instance)! + 1);
    });
    const jobsPerSecond = load.jobs / (elapsedMs(start) / 1000);
    const idle = pids.filter((pid) => ran.get(pid) === 0);
    if (idle.length > 0) {
      throw new BenchIntegrityError(`${kind}: instance ${idle.join(', ')} ran none of ${load.jobs} jobs`);
    }

    const times: number[] = [];
    const tiny = { iterations: ROUND_TRIP_ITERATIONS, seed: 7 };
    const tinyExpected = spin(tiny);
    for (let i = 0; i < load.roundTrips; i++) {
      const begin = performance.now();
      const result = await within(producer.run(tiny), JOB_CAP_MS, `${kind} round trip`);
      times.push(elapsedMs(begin));
      expectResult(kind, 'a round-trip spin job', result.value, tinyExpected);
    }
    return {
      jobsPerSecond,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      shares: pids.map((pid) => ran.get(pid)! / load.jobs),
    };
  } finally {
    await producer?.close();
    await stopAll(instances);
  }
}

/** Checks a throughput job's result and that it names one of the instances. */
function checker(
  kind: InstanceKind,
  pids: readonly number[],
  load: Load,
): (index: number, result: InstanceResult) => void {
  return (index, result) => {
    const seed = index % load.inputs.length;
    expectResult(kind, `spin seed ${seed + 1}`, result?.value, load.expected[seed]);
    if (!pids.includes(result.instance)) {
      throw new BenchIntegrityError(`${kind}: job ${index} names instance ${result.instance}, not one of ${pids}`);
    }
  };
}

/** Runs `jobs` spin jobs (the inputs cycled), `window` in flight at a time, handing each result to `onResult`. */
async function runWindow(
  producer: Producer,
  jobs: number,
  window: number,
  inputs: readonly SpinInput[],
  onResult: (index: number, result: InstanceResult) => void,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs) {
      const index = next++;
      const input = inputs[index % inputs.length];
      onResult(index, await within(producer.run(input), JOB_CAP_MS, `spin job ${index}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, jobs) }, lane));
}

/** Stops every instance, even when one fails to; then reports the first failure. */
async function stopAll(instances: readonly Instance[]): Promise<void> {
  const stopped = await Promise.allSettled(instances.map((instance) => instance.stop()));
  instances.forEach((instance) => instance.kill());
  const failure = stopped.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function renderDistributedTable(results: DistributedResults): string {
  const cell = (kind: InstanceKind, instances: number): DistributedCell =>
    results.cells.find((c) => c.kind === kind && c.instances === instances)!;
  const header =
    `Scale-out over BullMQ (redis-server ${results.redis} on loopback): spin jobs (${results.spinIterations.toLocaleString('en-US')} ` +
    `iterations), ${results.jobs} per run; round trip: one tiny job at a time, ${results.roundTrips} per run; medians`;
  const columns = [
    'instances'.padEnd(10),
    'slots'.padStart(5),
    'poolio jobs/s'.padStart(14),
    'sandboxed'.padStart(10),
    'ratio'.padStart(7),
    'p50 ms poolio'.padStart(14),
    'sandboxed'.padStart(10),
    'ratio'.padStart(7),
    'p99 ms poolio'.padStart(14),
    'sandboxed'.padStart(10),
    'ratio'.padStart(7),
  ];
  const rows = INSTANCE_COUNTS.map((instances) => {
    const ours = cell('poolio', instances);
    const theirs = cell('sandboxed', instances);
    return [
      `${instances}`.padEnd(10),
      `${instances}×${ours.slotsPerInstance}`.padStart(5),
      formatNumber(ours.jobsPerSecond).padStart(14),
      formatNumber(theirs.jobsPerSecond).padStart(10),
      formatRatio(ours.jobsPerSecond / theirs.jobsPerSecond).padStart(7),
      formatNumber(ours.roundTripP50Ms).padStart(14),
      formatNumber(theirs.roundTripP50Ms).padStart(10),
      formatRatio(ours.roundTripP50Ms / theirs.roundTripP50Ms).padStart(7),
      formatNumber(ours.roundTripP99Ms).padStart(14),
      formatNumber(theirs.roundTripP99Ms).padStart(10),
      formatRatio(ours.roundTripP99Ms / theirs.roundTripP99Ms).padStart(7),
    ].join(' ');
  });
  const [one, three] = INSTANCE_COUNTS;
  const scaling = KINDS.map(
    (kind) => `${kind} ${formatRatio(cell(kind, three).jobsPerSecond / cell(kind, one).jobsPerSecond)}`,
  ).join(', ');
  const shares = KINDS.map((kind) => `${kind} ${cell(kind, three).shares.map(percent).join('/')}`).join(', ');
  return [
    header,
    columns.join(' '),
    ...rows,
    `ratio: poolio ÷ sandboxed (jobs/s: above 1 is faster; round trip: below 1 is quicker)`,
    `jobs/s with ${three} instances ÷ ${one}: ${scaling}; jobs per instance with ${three}: ${shares}`,
  ].join('\n');
}
